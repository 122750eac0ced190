namespace Solver.Layers;

public sealed class ReLU : Module
{
    private Tensor output = null!, inputGrad = null!;

    public override string Describe() => "ReLU()";

    public override int[] InferOutputShape(int[] s) => (int[])s.Clone();

    protected override void Allocate()
    {
        output = NewBatchTensor(OutputShape);
        inputGrad = NewBatchTensor(InputShape);
    }

    private int Count(int n) => n * (int)ShapeUtil.Product(InputShape);

    public override Tensor Forward(Tensor x, int n)
    {
        Device.Activation.ReluForward(x.View, output.View, Count(n));
        return output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        if (!ComputeInputGradient) return null;
        Device.Activation.ReluBackward(output.View, dy.View, inputGrad.View, Count(n));
        return inputGrad;
    }
}
