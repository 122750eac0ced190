using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Bench;

/// <summary>
/// Side-by-sides inside whole training steps: copies of one model planned differently, their steps interleaved round
/// by round, images/s each. The convolution formulations (direct, columns, and as <see cref="ConvOps.PrefersColumns"/>
/// picks per layer), the gradients through the pools, the pools folded into the convolutions, the first layer scattered
/// from the input's non-zero pixels, and the threads per core of coarse grids.
/// </summary>
public static class ConvAlgorithmBench
{
    public static double[] Run(ComputeDevice d, TrainerConfig config, int rounds, int steps)
    {
        TrainingBench.StepRunner Make(ConvAlgorithm? algorithm)
        {
            ConvOps.AutoOverride = algorithm;
            try { return new TrainingBench.StepRunner(d, config); }
            finally { ConvOps.AutoOverride = null; }
        }
        return Interleave(config, rounds, steps, () => Make(ConvAlgorithm.Direct), () => Make(ConvAlgorithm.Columns), () => Make(null));
    }

    /// <summary>
    /// Every convolution's gradients from its dense output gradient and no pool folded, against the gradients of
    /// convolutions that feed disjoint pools taken through the pool where they can, and the pools folded (as in use).
    /// </summary>
    public static double[] RunPoolGradients(ComputeDevice d, TrainerConfig config, int rounds, int steps) =>
        Interleave(config, rounds, steps, () => new TrainingBench.StepRunner(d, config, throughPools: false),
            () => new TrainingBench.StepRunner(d, config));

    /// <summary>2x2 pools as their own pass against folded into the convolutions before them, gradients through the pools in both.</summary>
    public static double[] RunPoolFolding(ComputeDevice d, TrainerConfig config, int rounds, int steps) =>
        Interleave(config, rounds, steps, () => new TrainingBench.StepRunner(d, config, foldPools: false),
            () => new TrainingBench.StepRunner(d, config));

    /// <summary>The first convolution on the dense kernels against scattered from the input's non-zero pixels (as in use).</summary>
    public static double[] RunSparseInput(ComputeDevice d, TrainerConfig config, int rounds, int steps) =>
        Interleave(config, rounds, steps, () => new TrainingBench.StepRunner(d, config, sparseInput: false),
            () => new TrainingBench.StepRunner(d, config));

    /// <summary>
    /// One copy of the model with coarse grids capped at each of <paramref name="perProcessor"/> threads per processor
    /// (a huge cap: a thread per plane, as before the cap), the settings interleaved round by round.
    /// </summary>
    public static double[] RunCoarseThreads(ComputeDevice d, TrainerConfig config, int rounds, int steps, int[] perProcessor)
    {
        using var runner = new TrainingBench.StepRunner(d, config);
        int saved = TileGrid.CoarseThreadsPerProcessor;
        try
        {
            Action Steps(int cap) => () => { TileGrid.CoarseThreadsPerProcessor = cap; for (int i = 0; i < steps; i++) runner.Run(); d.Synchronize(); };
            return Images(config, steps, Measure.Interleaved(rounds, perProcessor.Select(Steps).ToArray()));
        }
        finally
        {
            TileGrid.CoarseThreadsPerProcessor = saved;
        }
    }

    private static double[] Interleave(TrainerConfig config, int rounds, int steps, params Func<TrainingBench.StepRunner>[] make)
    {
        var runners = make.Select(m => m()).ToArray();
        try
        {
            Action Steps(TrainingBench.StepRunner r) => () => { for (int i = 0; i < steps; i++) r.Run(); };
            return Images(config, steps, Measure.Interleaved(rounds, runners.Select(Steps).ToArray()));
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    private static double[] Images(TrainerConfig config, int steps, double[] medianSeconds) =>
        medianSeconds.Select(s => (double)config.BatchSize * steps / s).ToArray();
}
