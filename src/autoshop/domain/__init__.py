"""Pure rules of the shop: standard library only, `now` and zones passed in."""
