"""Run every benchmark in turn and print its table: ``python -m bench`` (``make bench``)."""

from __future__ import annotations

from bench import apdu_rate, card_ops, meters_poll, sync_ingest, topup, ui


def main() -> None:
    for title, run, argv in (
        ("APDU rate (python -m bench.apdu_rate)", apdu_rate.main, []),
        ("Card operations (python -m bench.card_ops)", card_ops.main, []),
        # --quick keeps make bench to a couple of minutes; python -m bench.topup runs it in full
        ("Top-ups and the database (python -m bench.topup --quick)", topup.main, ["--quick"]),
        (
            "Modbus meters polled (python -m bench.meters_poll --quick)",
            meters_poll.main,
            ["--quick"],
        ),
        # --quick: 3 cold starts, 20 taps, 100 top-ups; python -m bench.ui runs 5, 50 and 1,000
        ("Touchscreen (python -m bench.ui --quick)", ui.main, ["--quick"]),
        # --quick: 10 and 100 kiosks for 10 s, no big database; python -m bench.sync_ingest in full
        ("Sync ingest (python -m bench.sync_ingest --quick)", sync_ingest.main, ["--quick"]),
    ):
        print(f"\n## {title}\n", flush=True)
        run(argv)


if __name__ == "__main__":
    main()
