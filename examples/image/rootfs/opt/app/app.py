"""The example application of hullcheck's demo image: it reads a YAML file, unsafely."""

import yaml

with open("/opt/app/config.yaml", encoding="utf-8") as f:
    print(yaml.load(f, Loader=yaml.Loader))  # noqa: S506 - the example is vulnerable on purpose
