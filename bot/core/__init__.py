"""The kernel: errors, the clock, text and input checks, field encryption. No Flask, no database."""
