"""Peak resident memory of the calling process, in KiB, for the start-up probes.

On Linux ``ru_maxrss`` also counts the memory the process had before its ``exec`` — that
is, the benchmark's own, at the fork that started it — so a probe started by a process
holding 200 MiB reports 200 MiB whatever it used itself. ``VmHWM`` in
``/proc/self/status`` is the new program's alone."""

import resource


def peak_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
