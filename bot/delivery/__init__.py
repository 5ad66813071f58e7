"""What goes out: the outbox, its delivery through the WeChat API, cards, links, subscriptions."""
