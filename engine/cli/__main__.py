"""``python -m denialkb.engine.cli``: the same command as the ``denialkb`` script."""

from denialkb.engine.cli import main

main(prog_name="denialkb")
