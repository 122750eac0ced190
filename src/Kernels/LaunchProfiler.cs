using System.Diagnostics;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>
/// Where a step's time goes, launch by launch: each launch first waits for the previous one to finish, and the time
/// since that one began is charged to it, under the caller's <see cref="Section"/> (a layer, say) and the line that
/// launched it. Waiting serialises what the stream would overlap, so this is for finding the large costs, never
/// for throughput; the host's share between launches is charged to the launch before it.
/// </summary>
public sealed class LaunchProfiler
{
    private readonly Dictionary<string, double> seconds = [];
    private readonly Stopwatch clock = new();
    private string? running;

    /// <summary>What the launches from now on belong to, as the caller names it.</summary>
    public string Section { get; set; } = "";

    /// <summary>Seconds charged to each "section / Ops.Method" so far.</summary>
    public IReadOnlyDictionary<string, double> Seconds => seconds;

    internal void Launching(AcceleratorStream stream, string operation)
    {
        Close(stream);
        running = $"{Section} / {operation}";
        clock.Restart();
    }

    /// <summary>Waits for the last launch and charges it; call at the end of what is measured.</summary>
    public void Close(AcceleratorStream stream)
    {
        if (running is null) return;
        stream.Synchronize();
        seconds[running] = seconds.GetValueOrDefault(running) + clock.Elapsed.TotalSeconds;
        running = null;
    }

    public void Clear() => seconds.Clear();
}
