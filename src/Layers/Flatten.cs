namespace Solver.Layers;

/// <summary>[C, H, W] to [C*H*W] per sample: a reshaped view of the same memory, no copy and no kernel.</summary>
public sealed class Flatten : Module
{
    public override string Describe() => "Flatten()";

    public override int[] InferOutputShape(int[] s) => [(int)ShapeUtil.Product(s)];

    protected override void Allocate() { }

    // The views are cached per source tensor, so a training step creates no objects.
    private (Tensor Source, Tensor View)? forwardView, backwardView;

    public override Tensor Forward(Tensor x, int n)
    {
        if (forwardView?.Source != x) forwardView = (x, x.Reshape(x.Shape[0], OutputShape[0]));
        return forwardView.Value.View;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        if (!ComputeInputGradient) return null;
        if (backwardView?.Source != dy) backwardView = (dy, dy.Reshape([dy.Shape[0], .. InputShape]));
        return backwardView.Value.View;
    }
}
