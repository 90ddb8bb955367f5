"""The web layer: the app factory, the callbacks, the server-drawn first screen, compression
and the API. Only this layer knows Flask routes and Dash callbacks."""
