"""The chat: its vocabulary (context), exactly-once processing (inbox), the router and the handlers."""
