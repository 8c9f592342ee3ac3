import sys

if __name__ == "__main__":
    if getattr(sys, "frozen", False):  # the Statistik section's drawing process, frozen
        import multiprocessing

        multiprocessing.freeze_support()
    from desktop.cli import main

    raise SystemExit(main())
