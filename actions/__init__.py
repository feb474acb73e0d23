"""Rasa SDK action server: custom actions, one module per concern."""
