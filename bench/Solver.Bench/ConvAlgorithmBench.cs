using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Bench;

/// <summary>
/// Whole training steps of a model with its convolutions' forward and input gradient computed by the direct kernels
/// everywhere, by the multiply over columns everywhere, and as <see cref="ConvOps.PrefersColumns"/> picks per layer:
/// three copies of the model, interleaved round by round, so that the rule is checked where it matters.
/// </summary>
public static class ConvAlgorithmBench
{
    public static (double Direct, double Columns, double Auto) Run(ComputeDevice d, TrainerConfig config, int rounds, int steps)
    {
        TrainingBench.StepRunner Make(ConvAlgorithm? algorithm)
        {
            ConvOps.AutoOverride = algorithm;
            try { return new TrainingBench.StepRunner(d, config); }
            finally { ConvOps.AutoOverride = null; }
        }
        using var direct = Make(ConvAlgorithm.Direct);
        using var columns = Make(ConvAlgorithm.Columns);
        using var auto = Make(null);
        Action Steps(TrainingBench.StepRunner r) => () => { for (int i = 0; i < steps; i++) r.Run(); };
        var med = Measure.Interleaved(rounds, Steps(direct), Steps(columns), Steps(auto));
        double images = (double)config.BatchSize * steps;
        return (images / med[0], images / med[1], images / med[2]);
    }

    /// <summary>
    /// Whole training steps with every convolution's gradients made from its dense output gradient, and with those of
    /// convolutions that feed disjoint pools taken through the pool where they can (the first layer's weight gradient,
    /// the input gradient of the others with a multiple of four input channels): two copies of the model interleaved.
    /// </summary>
    public static (double Dense, double ThroughPool) RunPoolGradients(ComputeDevice d, TrainerConfig config, int rounds, int steps)
    {
        using var dense = new TrainingBench.StepRunner(d, config, throughPools: false);
        using var through = new TrainingBench.StepRunner(d, config);
        Action Steps(TrainingBench.StepRunner r) => () => { for (int i = 0; i < steps; i++) r.Run(); };
        var med = Measure.Interleaved(rounds, Steps(dense), Steps(through));
        double images = (double)config.BatchSize * steps;
        return (images / med[0], images / med[1]);
    }

    /// <summary>
    /// Whole training steps with coarse grids capped at each of <paramref name="perProcessor"/> threads per processor
    /// (int.MaxValue: a thread per plane, as before the cap), one model, the settings interleaved round by round.
    /// </summary>
    public static double[] RunCoarseThreads(ComputeDevice d, TrainerConfig config, int rounds, int steps, int[] perProcessor)
    {
        using var runner = new TrainingBench.StepRunner(d, config);
        int saved = TileGrid.CoarseThreadsPerProcessor;
        try
        {
            Action Steps(int cap) => () => { TileGrid.CoarseThreadsPerProcessor = cap; for (int i = 0; i < steps; i++) runner.Run(); d.Synchronize(); };
            var med = Measure.Interleaved(rounds, perProcessor.Select(Steps).ToArray());
            return med.Select(m => config.BatchSize * steps / m).ToArray();
        }
        finally
        {
            TileGrid.CoarseThreadsPerProcessor = saved;
        }
    }

    /// <summary>Whole training steps with 2x2 pools run as their own pass and folded into the convolutions before them,
    /// all gradients through the pools in both: two copies of the model interleaved.</summary>
    public static (double Separate, double Folded) RunPoolFolding(ComputeDevice d, TrainerConfig config, int rounds, int steps)
    {
        using var separate = new TrainingBench.StepRunner(d, config, foldPools: false);
        using var folded = new TrainingBench.StepRunner(d, config);
        Action Steps(TrainingBench.StepRunner r) => () => { for (int i = 0; i < steps; i++) r.Run(); };
        var med = Measure.Interleaved(rounds, Steps(separate), Steps(folded));
        double images = (double)config.BatchSize * steps;
        return (images / med[0], images / med[1]);
    }
}
