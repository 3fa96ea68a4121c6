"""The order domain: the Order aggregate, its value objects and rules. Pure Python."""
