"""Custom NLU components: deterministic rules that must not depend on the model."""
