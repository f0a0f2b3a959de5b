"""The news feed: posts to audiences, read and acknowledged by the people in them."""
