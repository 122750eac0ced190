using ILGPU;
using ILGPU.Runtime;
using Solver.Kernels;

namespace Solver.Layers;

/// <summary>Max-pooling with a square window, no padding, floor mode (PyTorch's default).</summary>
public sealed class MaxPool2d(int kernelSize, int? stride = null) : Module
{
    private Tensor output = null!, inputGrad = null!;
    private MemoryBuffer1D<int, Stride1D.Dense> argmax = null!;

    public int KernelSize { get; } = kernelSize;
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>The backward of the ReLU just before this pool is applied here (set by <see cref="Sequential"/>).</summary>
    public bool MasksReluGradient { get; internal set; }

    /// <summary>
    /// The convolution before this pool reads its weight gradient from this pool's output gradient, arg-max and output
    /// (set by <see cref="Sequential"/>): backward passes its output gradient on untouched, and no input gradient is made.
    /// </summary>
    public bool GradientTakenByProducer { get; internal set; }

    /// <summary>Windows that do not overlap, which <see cref="GradientTakenByProducer"/> needs.</summary>
    public bool Disjoint => KernelSize == Stride;

    internal Tensor Output => output;

    /// <summary>Set by the convolution before this pool when its forward already wrote this pool's output and arg-max
    /// (<see cref="Conv2d.PoolAfter"/>, in training); the next forward uses them and clears it.</summary>
    internal bool FilledByProducer { get; set; }

    /// <summary>The output gradient of the last backward: a convolution before this pool may take its input gradient
    /// from it (<see cref="Conv2d.InputGradientThroughPool"/>).</summary>
    internal Tensor? LastOutputGradient { get; private set; }
    internal ArrayView<int> Argmax => argmax.View;

    public override string Describe() => $"MaxPool2d(kernel={KernelSize}, stride={Stride})";

    public override int[] InferOutputShape(int[] s)
    {
        if (s.Length != 3) throw ShapeError("[C, H, W]", s);
        try
        {
            var g = PoolGeometry.Create(1, s[0], s[1], s[2], KernelSize, Stride);
            return [s[0], g.OH, g.OW];
        }
        catch (ArgumentException e)
        {
            throw new ShapeException($"layer {Name} ({Describe()}): {e.Message}");
        }
    }

    internal PoolGeometry Geometry(int n) => PoolGeometry.Create(n, InputShape[0], InputShape[1], InputShape[2], KernelSize, Stride);

    protected override void Allocate()
    {
        output = NewBatchTensor(OutputShape);
        if (!GradientTakenByProducer) inputGrad = NewBatchTensor(InputShape);
        argmax = Device.AllocateInt(BatchCapacity * ShapeUtil.Product(OutputShape));
    }

    public override Tensor Forward(Tensor x, int n)
    {
        if (FilledByProducer)
        {
            FilledByProducer = false;
            return output;
        }
        Device.Pool.Forward(x.View, output.View, argmax.View, Geometry(n));
        return output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        if (!ComputeInputGradient) return null;
        LastOutputGradient = dy;
        if (GradientTakenByProducer) return dy;
        Device.Pool.Backward(dy.View, argmax.View, inputGrad.View, Geometry(n), MasksReluGradient ? output.View : null);
        return inputGrad;
    }

    public override void Dispose()
    {
        argmax?.Dispose();
        base.Dispose();
    }
}
