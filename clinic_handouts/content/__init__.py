"""Reading what people edit: YAML files with locations, validated into models."""
