using Solver.Kernels;

namespace Solver.Layers;

/// <summary>2-D convolution over NCHW input, weights [out, in, kH, kW] as in PyTorch.</summary>
public sealed class Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true) : Module
{
    private Tensor input = null!, output = null!, inputGrad = null!;
    private Parameter weight = null!;
    private Parameter? biasParam;
    private ConvWorkspace workspace = null!;

    public int InChannels { get; } = inChannels;
    public int OutChannels { get; } = outChannels;
    public int KernelSize { get; } = kernelSize;
    public int Stride { get; } = stride;
    public int Padding { get; } = padding;
    public bool HasBias { get; } = bias;

    /// <summary>The ReLU that follows is applied here, as the output is stored (set by <see cref="Sequential"/>).</summary>
    public bool FusedRelu { get; internal set; }

    /// <summary>
    /// The max-pool (disjoint windows) this convolution feeds, through a ReLU or not, when its weight gradient is read
    /// from the pool's gradient (set by <see cref="Sequential"/> for a convolution that needs no input gradient):
    /// backward then receives the pool's output gradient.
    /// </summary>
    public MaxPool2d? GradientThroughPool { get; internal set; }

    /// <summary>
    /// The max-pool (disjoint windows) this convolution feeds, when its input gradient is scattered from the pool's
    /// output gradient instead of gathered from its own dense one (set by <see cref="Sequential"/> where Cin is a
    /// multiple of four); the weight gradient still reads the dense one, which the pool's backward makes.
    /// </summary>
    public MaxPool2d? InputGradientThroughPool { get; internal set; }

    /// <summary>
    /// The max-pool this convolution feeds, directly or through a ReLU fused into it, whose output alone reads this
    /// convolution's output (set by <see cref="Sequential"/>): in training a 2x2/2 pool is then folded into the forward.
    /// </summary>
    public MaxPool2d? PoolAfter { get; internal set; }

    /// <summary>
    /// This convolution reads the network's input, mostly zeros (set by <see cref="Sequential.SparseInput"/>): where the
    /// device prefers it, its forward and its weight gradient through a pool scatter from the input's non-zero pixels.
    /// </summary>
    public bool ReadsSparseInput { get; internal set; }

    /// <summary>Whether the forward and the weight gradient run over the input's non-zero pixels (known after Build).</summary>
    public bool ScattersInput => workspace?.ScattersInput ?? false;

    public override string Describe() => $"Conv2d({InChannels}, {OutChannels}, kernel={KernelSize}, stride={Stride}, padding={Padding})";

    public override int[] InferOutputShape(int[] s)
    {
        if (s.Length != 3 || s[0] != InChannels) throw ShapeError($"[{InChannels}, H, W]", s);
        try
        {
            var g = ConvGeometry.Create(1, InChannels, s[1], s[2], OutChannels, KernelSize, KernelSize, Stride, Padding);
            return [OutChannels, g.OH, g.OW];
        }
        catch (ArgumentException e)
        {
            throw new ShapeException($"layer {Name} ({Describe()}): {e.Message}");
        }
    }

    private ConvGeometry Geometry(int n) => ConvGeometry.Create(n, InChannels, InputShape[1], InputShape[2], OutChannels, KernelSize, KernelSize, Stride, Padding);

    protected override void Allocate()
    {
        int fanIn = InChannels * KernelSize * KernelSize, fanOut = OutChannels * KernelSize * KernelSize;
        int[] wShape = [OutChannels, InChannels, KernelSize, KernelSize];
        weight = new Parameter($"{Name}.weight", Own(Tensor.Zeros(Device, wShape)), Own(Tensor.Zeros(Device, wShape)), fanIn, fanOut, false);
        if (HasBias)
            biasParam = new Parameter($"{Name}.bias", Own(Tensor.Zeros(Device, OutChannels)), Own(Tensor.Zeros(Device, OutChannels)), fanIn, fanOut, true);
        output = NewBatchTensor(OutputShape);
        if (ComputeInputGradient) inputGrad = NewBatchTensor(InputShape);
        if (GradientThroughPool is not null && ComputeInputGradient)
            throw new InvalidOperationException($"layer {Name}: a weight gradient through the pool leaves no output gradient for the input gradient");
        var planned = Geometry(BatchCapacity);
        workspace = Device.Conv.CreateWorkspace(planned, ComputeInputGradient && InputGradientThroughPool is null,
            denseWeightGradient: GradientThroughPool is null, sparseInput: ReadsSparseInput && Device.Conv.PrefersSparseInput(planned));
    }

    public override void Dispose()
    {
        workspace?.Dispose();
        base.Dispose();
    }

    public override bool HasParameters => true;

    public override IReadOnlyList<Parameter> Parameters => biasParam is null ? [weight] : [weight, biasParam];

    public override Tensor Forward(Tensor x, int n)
    {
        input = x;
        // In training, a convolution feeding a 2x2/2 pool (through a fused ReLU or directly) writes the pool's output and
        // arg-max directly: no backward reads its own output (evaluation, which may look at it, stores it as usual).
        if (Training && PoolAfter is { KernelSize: 2, Stride: 2 } pool && !workspace.UsesColumns)
        {
            Device.Conv.ForwardPooled(x.View, weight.Value.View, biasParam?.Value.View, pool.Output.View, pool.Argmax,
                Geometry(n), pool.Geometry(n), workspace, FusedRelu);
            pool.FilledByProducer = true;
            return output;
        }
        Device.Conv.Forward(x.View, weight.Value.View, biasParam?.Value.View, output.View, Geometry(n), workspace, FusedRelu);
        return output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        var g = Geometry(n);
        if (GradientThroughPool is { } pool)
        {
            Device.Conv.BackwardWeightsThroughPool(input.View, dy.View, pool.Argmax, pool.MasksReluGradient ? pool.Output.View : null,
                weight.Grad.View, biasParam?.Grad.View, g, pool.Geometry(n), workspace);
            return null;
        }
        Device.Conv.BackwardWeights(input.View, dy.View, weight.Grad.View, biasParam?.Grad.View, g, workspace);
        if (!ComputeInputGradient) return null;
        if (InputGradientThroughPool is { } after)
        {
            Device.Conv.BackwardInputThroughPool(weight.Value.View, after.LastOutputGradient!.View, after.Argmax,
                after.MasksReluGradient ? after.Output.View : null, inputGrad.View, g, after.Geometry(n));
            return inputGrad;
        }
        Device.Conv.BackwardInput(dy.View, weight.Value.View, inputGrad.View, g, workspace);
        return inputGrad;
    }
}
