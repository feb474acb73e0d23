"""Rasa-side runtime of the discreet help-seeking assistant."""
