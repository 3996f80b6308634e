"""The poll average: a state-space model with house effects, fitted per series."""
