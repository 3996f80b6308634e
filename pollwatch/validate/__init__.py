"""The checks around the pandera contract: each rejected row with its reason, repeats in a
file."""
