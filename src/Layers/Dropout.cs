namespace Solver.Layers;

/// <summary>
/// Inverted dropout (PyTorch's nn.Dropout): while training, each element is zeroed with probability p and the rest
/// scaled by 1/(1-p); in evaluation it is the identity (the input passes through untouched, no copy).
/// The mask of a step is drawn from (seed, step) set by <see cref="Sequential.SetStep"/>.
/// </summary>
public sealed class Dropout(float p) : Module
{
    private Tensor output = null!, inputGrad = null!, mask = null!;
    private bool maskedLast;

    public float P { get; } = p is >= 0 and < 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), $"dropout p must be in [0, 1), got {p}");
    public uint Seed { get; set; }
    public uint Step { get; set; }

    public override string Describe() => FormattableString.Invariant($"Dropout(p={P})");

    public override int[] InferOutputShape(int[] s) => (int[])s.Clone();

    protected override void Allocate()
    {
        output = NewBatchTensor(OutputShape);
        inputGrad = NewBatchTensor(InputShape);
        mask = NewBatchTensor(InputShape);
    }

    private int Count(int n) => n * (int)ShapeUtil.Product(InputShape);

    public override Tensor Forward(Tensor x, int n)
    {
        maskedLast = Training && P > 0;
        if (!maskedLast) return x;
        // Each layer draws its own mask: its index in the network is mixed into the seed (not string.GetHashCode,
        // which differs between processes).
        uint layer = uint.TryParse(Name, out var index) ? index : 0;
        Device.Dropout.Forward(x.View, output.View, mask.View, Count(n), P, Seed * 31u + layer, Step);
        return output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        if (!ComputeInputGradient) return null;
        if (!maskedLast) return dy;
        Device.Dropout.Backward(dy.View, mask.View, inputGrad.View, Count(n));
        return inputGrad;
    }
}
