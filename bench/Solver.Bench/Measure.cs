using System.Diagnostics;

namespace Solver.Bench;

/// <summary>Interleaved timing: every contender runs once per round, in turn, so that a shared machine's swings hit all alike.</summary>
public static class Measure
{
    /// <summary>Median seconds per run of each action over <paramref name="rounds"/> rounds after one warm-up round.</summary>
    public static double[] Interleaved(int rounds, params Action[] runs)
    {
        var times = runs.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round <= rounds; round++)
            for (int i = 0; i < runs.Length; i++)
            {
                var sw = Stopwatch.StartNew();
                runs[i]();
                if (round > 0) times[i].Add(sw.Elapsed.TotalSeconds); // round 0 compiles and warms up
            }
        return times.Select(Median).ToArray();
    }

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// The machine's scalar peak as it stands: every core runs eight independent fused multiply-add chains (enough to fill
    /// the FMA pipelines), scalar floats, as ILGPU's CPU kernels are. GFLOP/s, two flops per FMA.
    /// </summary>
    public static double ScalarPeakGflops()
    {
        const int iterations = 20_000_000;
        int threads = Environment.ProcessorCount;
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var sw = Stopwatch.StartNew();
            var sinks = new float[threads];
            Parallel.For(0, threads, t =>
            {
                float a0 = 1, a1 = 2, a2 = 3, a3 = 4, a4 = 5, a5 = 6, a6 = 7, a7 = 8, m = 0.9999999f, c = 1e-7f;
                for (int i = 0; i < iterations; i++)
                {
                    a0 = MathF.FusedMultiplyAdd(a0, m, c); a1 = MathF.FusedMultiplyAdd(a1, m, c);
                    a2 = MathF.FusedMultiplyAdd(a2, m, c); a3 = MathF.FusedMultiplyAdd(a3, m, c);
                    a4 = MathF.FusedMultiplyAdd(a4, m, c); a5 = MathF.FusedMultiplyAdd(a5, m, c);
                    a6 = MathF.FusedMultiplyAdd(a6, m, c); a7 = MathF.FusedMultiplyAdd(a7, m, c);
                }
                sinks[t] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
            });
            best = Math.Max(best, 2.0 * 8 * iterations * threads / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }
}
