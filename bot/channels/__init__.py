"""Input channels: where a user's message enters. Shared helpers in `common`."""
