"""The outbox: what domain code queues for people — the queue, what a card shows, the family's day links,
who accepted what, who receives an agency's notices. Sending it is bot/delivery's."""
