"""The daemon configuration: YAML and environment → typed settings, errors naming the path."""
