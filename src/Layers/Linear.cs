using Solver.Kernels;

namespace Solver.Layers;

/// <summary>y = x W^T + b with W [out, in], as PyTorch's nn.Linear.</summary>
public sealed class Linear(int inFeatures, int outFeatures, bool bias = true) : Module
{
    private Tensor input = null!, output = null!, inputGrad = null!;
    private Parameter weight = null!;
    private Parameter? biasParam;
    private GemmWorkspace workspace = null!;

    public int InFeatures { get; } = inFeatures;
    public int OutFeatures { get; } = outFeatures;
    public bool HasBias { get; } = bias;

    public override string Describe() => $"Linear({InFeatures}, {OutFeatures})";

    public override int[] InferOutputShape(int[] s)
    {
        if (s.Length != 1 || s[0] != InFeatures)
            throw ShapeError($"[{InFeatures}]" + (s.Length > 1 ? " (add a Flatten before it)" : ""), s);
        return [OutFeatures];
    }

    protected override void Allocate()
    {
        weight = new Parameter($"{Name}.weight", Own(Tensor.Zeros(Device, OutFeatures, InFeatures)), Own(Tensor.Zeros(Device, OutFeatures, InFeatures)), InFeatures, OutFeatures, false);
        if (HasBias)
            biasParam = new Parameter($"{Name}.bias", Own(Tensor.Zeros(Device, OutFeatures)), Own(Tensor.Zeros(Device, OutFeatures)), InFeatures, OutFeatures, true);
        output = NewBatchTensor(OutputShape);
        inputGrad = NewBatchTensor(InputShape);
        workspace = Device.Gemm.CreateWorkspace(ForwardShape(BatchCapacity), WeightGradientShape(BatchCapacity), InputGradientShape(BatchCapacity));
    }

    private GemmGeometry ForwardShape(int n) => GemmGeometry.Create(n, OutFeatures, InFeatures, transA: false, transB: true);
    private GemmGeometry WeightGradientShape(int n) => GemmGeometry.Create(OutFeatures, InFeatures, n, transA: true, transB: false);
    private GemmGeometry InputGradientShape(int n) => GemmGeometry.Create(n, InFeatures, OutFeatures, transA: false, transB: false);

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
        // y[n,out] = x[n,in] * W^T: B is W stored [out, in], i.e. transposed.
        Device.Gemm.Gemm(x.View, weight.Value.View, biasParam?.Value.View, output.View, ForwardShape(n), workspace);
        return output;
    }

    public override Tensor? Backward(Tensor dy, int n)
    {
        // dW[out,in] = dy^T[out,n] x[n,in]
        Device.Gemm.Gemm(dy.View, input.View, null, weight.Grad.View, WeightGradientShape(n), workspace);
        if (biasParam is not null) Device.Gemm.ColumnSum(dy.View, biasParam.Grad.View, n, OutFeatures);
        if (!ComputeInputGradient) return null;
        // dx[n,in] = dy[n,out] W[out,in]
        Device.Gemm.Gemm(dy.View, weight.Value.View, null, inputGrad.View, InputGradientShape(n), workspace);
        return inputGrad;
    }
}
