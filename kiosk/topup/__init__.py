"""The top-up: from a card on the reader to credit on the card, journaled so every failure can be
finished or rolled back."""
