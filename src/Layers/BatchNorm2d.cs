using Solver.Kernels;

namespace Solver.Layers;

/// <summary>
/// Per-channel batch normalisation of [C, H, W] activations, as PyTorch's nn.BatchNorm2d: a scale (weight, from 1)
/// and shift (bias, from 0) are trained; running_mean and running_var (buffers, saved with the weights) follow the
/// batches with the given momentum and normalise in evaluation mode.
/// </summary>
public sealed class BatchNorm2d(int channels, float momentum = 0.1f, float eps = 1e-5f) : Module
{
    private Tensor input = null!, output = null!, inputGrad = null!, mean = null!, invStd = null!;
    private Parameter weight = null!, bias = null!;
    private Buffer runningMean = null!, runningVar = null!;

    public int Channels { get; } = channels;
    public float Momentum { get; } = momentum;
    public float Eps { get; } = eps;

    public override string Describe() => FormattableString.Invariant($"BatchNorm2d({Channels})");

    public override int[] InferOutputShape(int[] s)
    {
        if (s.Length != 3 || s[0] != Channels) throw ShapeError($"[{Channels}, H, W]", s);
        return (int[])s.Clone();
    }

    protected override void Allocate()
    {
        Tensor Ones() => Own(Tensor.FromArray(Device, Enumerable.Repeat(1f, Channels).ToArray(), Channels));
        weight = new Parameter($"{Name}.weight", Ones(), Own(Tensor.Zeros(Device, Channels)), Plane, Plane, false) { InitialValue = 1f };
        bias = new Parameter($"{Name}.bias", Own(Tensor.Zeros(Device, Channels)), Own(Tensor.Zeros(Device, Channels)), Plane, Plane, true);
        runningMean = new Buffer($"{Name}.running_mean", Own(Tensor.Zeros(Device, Channels)));
        runningVar = new Buffer($"{Name}.running_var", Ones());
        mean = Own(Tensor.Zeros(Device, Channels));
        invStd = Own(Tensor.Zeros(Device, Channels));
        output = NewBatchTensor(OutputShape);
        inputGrad = NewBatchTensor(InputShape);
    }

    public override bool HasParameters => true;

    public override IReadOnlyList<Parameter> Parameters => [weight, bias];

    public override IReadOnlyList<Buffer> Buffers => [runningMean, runningVar];

    private int Plane => InputShape[1] * InputShape[2];

    public override Tensor Forward(Tensor x, int n)
    {
        input = x;
        Device.BatchNorm.Forward(x.View, output.View, weight.Value.View, bias.Value.View, mean.View, invStd.View, runningMean.Value.View, runningVar.Value.View,
            n, Channels, Plane, Training, Momentum, Eps);
        return output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        Device.BatchNorm.Backward(dy.View, input.View, weight.Value.View, mean.View, invStd.View, weight.Grad.View, bias.Grad.View, inputGrad.View,
            ComputeInputGradient, n, Channels, Plane);
        return ComputeInputGradient ? inputGrad : null;
    }
}
