namespace Solver.Layers.Onnx;

/// <summary>
/// Writes a built <see cref="Sequential"/> as an ONNX model (IR 8, opset 13) for inference elsewhere: input
/// <c>input</c> [batch, C, H, W] float32, output <c>logits</c> [batch, classes]. Conv2d, MaxPool2d, ReLU, Flatten,
/// Linear and BatchNorm2d map one to one onto Conv, MaxPool, Relu, Flatten, Gemm and BatchNormalization (inference
/// form, running statistics); Dropout is the identity at inference and is left out. Initializers carry the state_dict names, so the file reads like our weights.
/// </summary>
public static class OnnxExport
{
    // Field numbers and enum values from onnx/onnx.proto (stable since IR 3).
    private const int FloatType = 1;
    private const int AttrFloat = 1, AttrInt = 2, AttrInts = 7;

    public static void Save(string path, Sequential net, string graphName, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, s => s.Write(Encode(net, graphName, metadata)));

    public static byte[] Encode(Sequential net, string graphName, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (net.InputShape.Length != 3) throw new ArgumentException($"ONNX export needs a built network with a [C, H, W] input, got {ShapeUtil.Format(net.InputShape)}");
        var state = net.StateDict();
        var nodes = new List<Action<ProtoWriter>>();
        string current = "input";
        for (int i = 0; i < net.Layers.Count; i++)
        {
            var layer = net.Layers[i];
            string output = i == net.Layers.Count - 1 ? "logits" : $"{i}.out";
            string input = current;
            string name = $"{i}";
            switch (layer)
            {
                case Conv2d c:
                    var convInputs = c.HasBias ? new[] { input, $"{i}.weight", $"{i}.bias" } : new[] { input, $"{i}.weight" };
                    nodes.Add(Node("Conv", name, convInputs, output,
                        Ints("kernel_shape", c.KernelSize, c.KernelSize), Ints("strides", c.Stride, c.Stride),
                        Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding)));
                    break;
                case MaxPool2d p:
                    nodes.Add(Node("MaxPool", name, [input], output, Ints("kernel_shape", p.KernelSize, p.KernelSize), Ints("strides", p.Stride, p.Stride)));
                    break;
                case ReLU:
                    nodes.Add(Node("Relu", name, [input], output));
                    break;
                case Flatten:
                    nodes.Add(Node("Flatten", name, [input], output, Int("axis", 1)));
                    break;
                case Linear l:
                    var gemmInputs = l.HasBias ? new[] { input, $"{i}.weight", $"{i}.bias" } : new[] { input, $"{i}.weight" };
                    nodes.Add(Node("Gemm", name, gemmInputs, output, Int("transB", 1)));
                    break;
                case BatchNorm2d bn:
                    nodes.Add(Node("BatchNormalization", name, [input, $"{i}.weight", $"{i}.bias", $"{i}.running_mean", $"{i}.running_var"], output,
                        Float("epsilon", bn.Eps), Float("momentum", 1 - bn.Momentum)));
                    break;
                case Dropout when i < net.Layers.Count - 1:
                    continue; // identity at inference: the next layer reads this one's input
                default:
                    throw new NotSupportedException($"ONNX export does not know layer {i}: {layer.Describe()}");
            }
            current = output;
        }

        var model = new ProtoWriter()
            .Int(1, 8) // ir_version
            .String(2, "solver")
            .String(3, "1")
            .Message(7, g =>
            {
                foreach (var n in nodes) g.Message(1, n);
                g.String(2, graphName);
                foreach (var t in state.Values.OrderBy(t => t.Name, StringComparer.Ordinal)) g.Message(5, w => Tensor(w, t));
                g.Message(11, v => ValueInfo(v, "input", [-1, .. net.InputShape]));
                g.Message(12, v => ValueInfo(v, "logits", [-1, .. net.OutputShape]));
            })
            .Message(8, o => o.String(1, "").Int(2, 13)); // opset_import: default domain, opset 13
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            model.Message(14, m => m.String(1, key).String(2, value));
        return model.ToArray();
    }

    private static Action<ProtoWriter> Node(string op, string name, string[] inputs, string output, params Action<ProtoWriter>[] attributes) => n =>
    {
        foreach (var i in inputs) n.String(1, i);
        n.String(2, output).String(3, name).String(4, op);
        foreach (var a in attributes) n.Message(5, a);
    };

    private static Action<ProtoWriter> Ints(string name, params long[] values) => a => a.String(1, name).PackedInts(8, values).Int(20, AttrInts);

    private static Action<ProtoWriter> Float(string name, float value) => a => a.String(1, name).Float(2, value).Int(20, AttrFloat);

    private static Action<ProtoWriter> Int(string name, long value) => a => a.String(1, name).Int(3, value).Int(20, AttrInt);

    private static void Tensor(ProtoWriter w, NamedTensor t)
    {
        w.PackedInts(1, t.Shape.Select(d => (long)d)).Int(2, FloatType).String(8, t.Name);
        var raw = new byte[t.Data.Length * 4];
        for (int i = 0; i < t.Data.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), t.Data[i]); // raw_data is little-endian
        w.Bytes(9, raw);
    }

    /// <summary>A float tensor's name and shape; -1 is the symbolic batch dimension.</summary>
    private static void ValueInfo(ProtoWriter v, string name, int[] shape) =>
        v.String(1, name).Message(2, type => type.Message(1, tensor => tensor
            .Int(1, FloatType)
            .Message(2, s =>
            {
                foreach (var d in shape)
                    s.Message(1, dim => { if (d < 0) dim.String(2, "batch"); else dim.Int(1, d); });
            })));
}
