"""Rules over device events, alerts and the 1-3-5 escalation."""
