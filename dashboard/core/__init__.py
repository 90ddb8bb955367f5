"""What every layer above shares: the view state, the texts in French and English, the
component ids, and the service that reads the figures of the current data version."""
