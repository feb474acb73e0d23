"""Web widget tests: the `web` channel over HTTP and the widget in real Chromium."""
