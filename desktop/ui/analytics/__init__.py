"""The Analytics area: the in-app metrics engine, the dashboard and its parts."""
