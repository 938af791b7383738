"""Run every benchmark in turn and print its table: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

from bench import apdu_rate, card_ops


def main() -> None:
    for title, run in (
        ("APDU rate (python -m bench.apdu_rate)", apdu_rate.main),
        ("Card operations (python -m bench.card_ops)", card_ops.main),
    ):
        print(f"\n## {title}\n", flush=True)
        run([])


if __name__ == "__main__":
    main()
