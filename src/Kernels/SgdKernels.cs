using ILGPU;
using ILGPU.Runtime;

namespace Solver.Kernels;

/// <summary>Hyper-parameters of one SGD step, passed by value so no host-device copy is needed.</summary>
public struct SgdSettings
{
    public float LearningRate;
    public float Momentum;
    public float WeightDecay;
    public int Nesterov;
}

/// <summary>SGD with momentum, Nesterov and L2 weight decay, in PyTorch's formulation.</summary>
public static class SgdKernels
{
    /// <summary>g = dw + wd*w; v = mu*v + g; w -= lr * (nesterov ? g + mu*v : v). With mu = 0 this is plain SGD.</summary>
    public static void Step(Index1D thread, ArrayView<float> w, ArrayView<float> dw, ArrayView<float> velocity, SgdSettings s, ChunkGrid grid)
    {
        if (thread >= grid.ThreadCount) return;
        for (int i = grid.Start(thread); i < grid.End(thread); i++)
        {
            float g = dw[i] + s.WeightDecay * w[i];
            float v = s.Momentum * velocity[i] + g;
            velocity[i] = v;
            w[i] -= s.LearningRate * (s.Nesterov != 0 ? g + s.Momentum * v : v);
        }
    }
}

public sealed class SgdOps
{
    private readonly ComputeDevice device;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdSettings, ChunkGrid> step;

    internal SgdOps(ComputeDevice device)
    {
        this.device = device;
        step = device.Accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdSettings, ChunkGrid>(SgdKernels.Step);
    }

    public void Step(ArrayView<float> w, ArrayView<float> dw, ArrayView<float> velocity, SgdSettings s)
    {
        var grid = ChunkGrid.For(device.WorkShape, (int)w.Length, device.Processors);
        if (grid.ThreadCount > 0) step(device.Launch(), grid.ThreadCount, w, dw, velocity, s, grid);
    }
}
