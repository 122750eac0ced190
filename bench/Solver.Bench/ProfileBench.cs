using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Bench;

/// <summary>
/// Where a training step's time goes (<c>--only profile</c>): each launch waited for and charged to its layer and
/// operation (<see cref="LaunchProfiler"/>), summed over the steps of each round, medians of the rounds. The waits
/// serialise the step, so the shares matter, not the total.
/// </summary>
public static class ProfileBench
{
    public static List<(string Section, double Milliseconds, double Share)> Run(ComputeDevice d, string configPath, int rounds, int steps)
    {
        var config = TrainerConfig.Load(configPath);
        using var step = new TrainingBench.StepRunner(d, config);
        var profiler = new LaunchProfiler();
        d.Profiler = profiler;
        try
        {
            void Step()
            {
                step.Run(profiler);
                profiler.Close(d.Stream);
            }
            for (int i = 0; i < 3; i++) Step(); // compile and warm up
            var perRound = new List<Dictionary<string, double>>();
            for (int round = 0; round < rounds; round++)
            {
                profiler.Clear();
                for (int i = 0; i < steps; i++) Step();
                perRound.Add(profiler.Seconds.ToDictionary(kv => kv.Key, kv => kv.Value * 1000 / steps));
            }
            var medians = perRound.SelectMany(r => r.Keys).Distinct().Select(k => (Section: k, Milliseconds: Measure.Median(perRound.Select(r => r.GetValueOrDefault(k)).ToList()))).ToList();
            double total = medians.Sum(m => m.Milliseconds);
            return medians.Select(m => (m.Section, m.Milliseconds, m.Milliseconds / total)).ToList();
        }
        finally
        {
            d.Profiler = null;
        }
    }
}
