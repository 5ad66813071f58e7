"""Helpers the tests share: arranging data, talking to the app as its users do, counting what it costs."""
