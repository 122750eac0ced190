namespace Solver.Layers;

/// <summary>
/// max(0, x). Inside a <see cref="Sequential"/> a ReLU right after a <see cref="Conv2d"/> is fused into it: the
/// convolution stores max(0, y) and this layer passes its input on; when a <see cref="MaxPool2d"/> follows, the pool
/// masks the gradient too and the backward also passes through. One pass over the activations fewer each way.
/// </summary>
public sealed class ReLU : Module
{
    private Tensor output = null!, inputGrad = null!, last = null!;

    public override string Describe() => "ReLU()";

    /// <summary>The producer already applied this ReLU in its forward.</summary>
    public bool AppliedByProducer { get; internal set; }

    /// <summary>The consumer already applies this ReLU's gradient mask in its backward.</summary>
    public bool MaskedByConsumer { get; internal set; }

    public override int[] InferOutputShape(int[] s) => (int[])s.Clone();

    protected override void Allocate()
    {
        if (!AppliedByProducer) output = NewBatchTensor(OutputShape);
        if (!MaskedByConsumer) inputGrad = NewBatchTensor(InputShape);
    }

    private int Count(int n) => n * (int)ShapeUtil.Product(InputShape);

    public override Tensor Forward(Tensor x, int n)
    {
        if (AppliedByProducer) return last = x;
        Device.Activation.ReluForward(x.View, output.View, Count(n));
        return last = output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        if (!ComputeInputGradient) return null;
        if (MaskedByConsumer) return dy;
        Device.Activation.ReluBackward(last.View, dy.View, inputGrad.View, Count(n));
        return inputGrad;
    }
}
