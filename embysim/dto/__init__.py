"""Emby's JSON shapes (DTOs) built from the simulator's plain data, one module per kind."""
