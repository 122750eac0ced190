using Solver.Kernels;
using Solver.Layers;

namespace Solver.Tests;

/// <summary>
/// Finite-difference checks: for L = sum(y * R) with a fixed random R, the analytic dL/dx and dL/dparam from
/// Backward must equal (L(v+e) - L(v-e)) / 2e for sampled elements of the input and every parameter.
/// </summary>
public class GradientCheckTests
{
    private const float Eps = 1e-2f;

    private static void CheckLayer(ComputeDevice d, Func<Module> make, int batch, int[] inputShape, int seed, bool distinct = false, float eps = Eps)
    {
        var rng = new Random(seed);
        using var layer = make();
        layer.Name = "under-test";
        layer.Build(d, batch, inputShape);
        Init.Apply(layer, InitKind.GlorotUniform, seed);
        // Non-zero biases so their effect is visible.
        foreach (var p in layer.Parameters.Where(p => p.IsBias)) p.Value.CopyFrom(Check.Random(rng, (int)p.Value.Length, 0.5f));

        int inputLength = batch * (int)ShapeUtil.Product(inputShape);
        var x = distinct ? Check.Distinct(rng, inputLength) : Check.Random(rng, inputLength);
        using var input = Tensor.FromArray(d, x, [batch, .. inputShape]);
        int outputLength = batch * (int)ShapeUtil.Product(layer.OutputShape);
        var r = Check.Random(rng, outputLength);
        using var dy = Tensor.FromArray(d, r, [batch, .. layer.OutputShape]);

        double Loss()
        {
            var y = layer.Forward(input, batch).ToArray();
            double l = 0;
            for (int i = 0; i < outputLength; i++) l += y[i] * (double)r[i];
            return l;
        }

        Loss();
        var dx = layer.Backward(dy, batch)!.ToArray();
        var grads = layer.Parameters.Select(p => p.Grad.ToArray()).ToList();

        void Compare(string what, float[] values, Action<float[]> upload, float[] analytic)
        {
            // Up to 40 sampled elements keep the test quick on the CPU simulator; always include the ends.
            var indices = Enumerable.Range(0, values.Length).OrderBy(_ => rng.Next()).Take(40).Append(0).Append(values.Length - 1).Distinct().ToList();
            double center = Loss();
            int kinks = 0;
            foreach (int i in indices)
            {
                float keep = values[i];
                string last = "";
                bool matched = false;
                // A step that crosses a ReLU or max switch bends the central difference. These nets are piecewise
                // linear, so a smaller step, or the slope on the side without a switch, is exact: accept a match
                // there, counting a one-sided match as a kink.
                foreach (float e in new[] { eps, eps / 3, eps / 10 })
                {
                    values[i] = keep + e; upload(values); double plus = Loss();
                    values[i] = keep - e; upload(values); double minus = Loss();
                    values[i] = keep; upload(values);
                    double numeric = (plus - minus) / (2 * e);
                    double tol = 2e-3 + 2e-3 * Math.Abs(numeric);
                    if (Math.Abs(numeric - analytic[i]) <= tol) { matched = true; break; }
                    double right = (plus - center) / e, left = (center - minus) / e;
                    if (Math.Abs(right - analytic[i]) <= tol || Math.Abs(left - analytic[i]) <= tol)
                    {
                        matched = true;
                        kinks++;
                        break;
                    }
                    last = $"step {e}: numeric {numeric} (left {left}, right {right})";
                }
                Assert.True(matched, $"{layer.Describe()} {what}[{i}]: analytic {analytic[i]}, {last}");
            }
            Assert.True(kinks * 3 <= indices.Count, $"{what}: {kinks} of {indices.Count} points sat on a kink; the check proves too little");
        }

        Compare("dx", x, v => input.CopyFrom(v), dx);
        var parameters = layer.Parameters;
        for (int p = 0; p < parameters.Count; p++)
        {
            var values = parameters[p].Value.ToArray();
            var target = parameters[p].Value;
            Compare(parameters[p].Name, values, v => target.CopyFrom(v), grads[p]);
        }
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Conv2d_gradients(string profile)
    {
        var d = Devices.Get(profile);
        CheckLayer(d, () => new Conv2d(2, 3, 3), 2, [2, 7, 5], 10);                          // odd, non-square
        CheckLayer(d, () => new Conv2d(3, 2, 3, stride: 2, padding: 1), 2, [3, 8, 7], 11);   // stride 2 + padding
        CheckLayer(d, () => new Conv2d(1, 4, 5, padding: 2), 3, [1, 6, 9], 12);             // large padding
        CheckLayer(d, () => new Conv2d(2, 2, 2, stride: 3, bias: false), 2, [2, 9, 8], 13); // no bias, stride > kernel
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void MaxPool2d_gradients(string profile)
    {
        var d = Devices.Get(profile);
        CheckLayer(d, () => new MaxPool2d(2), 2, [3, 6, 8], 20, distinct: true);
        CheckLayer(d, () => new MaxPool2d(2), 2, [2, 7, 5], 21, distinct: true);               // odd: edge dropped
        CheckLayer(d, () => new MaxPool2d(3, stride: 2), 2, [2, 9, 7], 22, distinct: true);    // overlapping windows
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Linear_gradients(string profile)
    {
        var d = Devices.Get(profile);
        CheckLayer(d, () => new Linear(13, 7), 5, [13], 30);
        CheckLayer(d, () => new Linear(40, 3, bias: false), 3, [40], 31);
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void ReLU_and_Flatten_gradients(string profile)
    {
        var d = Devices.Get(profile);
        CheckLayer(d, () => new ReLU(), 3, [2, 5, 3], 40, distinct: true);
        CheckLayer(d, () => new Flatten(), 2, [3, 4, 5], 41);
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Dropout_gradients(string profile)
    {
        var d = Devices.Get(profile);
        // The mask is a function of (seed, step, index): fixed here, so the layer is a fixed linear map.
        CheckLayer(d, () => new Dropout(0.4f) { Seed = 3, Step = 11 }, 3, [2, 5, 3], 42);
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void BatchNorm2d_gradients(string profile)
    {
        var d = Devices.Get(profile);
        // Training mode: the batch statistics depend on every input, and the analytic dx must include that.
        CheckLayer(d, () => new BatchNorm2d(3), 4, [3, 5, 4], 60);
        CheckLayer(d, () => new BatchNorm2d(2), 2, [2, 3, 3], 61);
    }

    /// <summary>
    /// The fused ReLU paths (a convolution storing max(0, y); a pool masking the gradient, with disjoint and with
    /// overlapping windows; a fused ReLU followed by another convolution, whose backward still runs) give what the
    /// unfused layers give, forward and backward.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Fused_relu_matches_the_separate_layers(string profile)
    {
        var d = Devices.Get(profile);
        int n = 3;
        Sequential Net(bool fuse) => new(
            new Conv2d(2, 3, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(3, 4, 3), new ReLU(), new Conv2d(4, 5, 2), new ReLU(), new MaxPool2d(3, stride: 2),
            new Flatten(), new Linear(5, 4)) { FuseActivations = fuse };
        using var fused = Net(true);
        using var plain = Net(false);
        var rng = new Random(71);
        var x = Check.Random(rng, n * 2 * 15 * 15);
        var r = Check.Random(rng, n * 4);
        using var input = Tensor.FromArray(d, x, n, 2, 15, 15); // 15 -> 15 -> 7 -> 5 -> 4 -> 1
        using var dy = Tensor.FromArray(d, r, n, 4);
        var results = new List<float[]>();
        foreach (var net in new[] { fused, plain })
        {
            net.ComputeInputGradient = true;
            net.Build(d, n, [2, 15, 15]);
            Init.Apply(net, InitKind.HeNormal, 9);
            foreach (var b in net.Parameters.Where(q => q.IsBias)) b.Value.CopyFrom(Check.Random(new Random(3), (int)b.Value.Length, 0.2f));
            results.Add(net.Forward(input, n).ToArray());
            results.Add(net.Backward(dy, n)!.ToArray());
            results.AddRange(net.Parameters.Select(p => p.Grad.ToArray()));
        }
        Assert.True(((Conv2d)fused.Layers[0]).FusedRelu && ((MaxPool2d)fused.Layers[2]).MasksReluGradient);
        Assert.False(((Conv2d)plain.Layers[0]).FusedRelu || ((MaxPool2d)plain.Layers[2]).MasksReluGradient);
        int half = results.Count / 2;
        Assert.Contains(results[1], v => v != 0f); // the input gradient reaches the input
        for (int i = 0; i < half; i++) Check.Close(results[half + i], results[i], atol: 1e-6f, rtol: 1e-5f, what: $"result {i}");
    }

    /// <summary>
    /// A convolution feeding a disjoint max-pool takes its gradients from the pool's: a first one (no input gradient)
    /// its weight and bias gradients, one with a multiple of four input channels its input gradient, scattered from the
    /// arg-max pixels. Both give what the dense path of the unfused layers gives, through a fused ReLU or with none
    /// between: several input channels, 5x5 and 2x2 filters (row and column blocks with unused slots), padding, a
    /// stride, and maps whose last row and column no window covers; with the network's input gradient on and off. Such
    /// a first layer's forward, folded into its pool in training, gives the same output too. On the CPU accelerator a
    /// first layer at stride 1 also scatters its forward and weight gradient from the input's non-zero pixels, against
    /// the dense kernels of the unfused network.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Gradients_through_the_pool_match_the_dense_path(string profile)
    {
        var d = Devices.Get(profile);
        int n = 3;
        var nets = new (Func<bool, Sequential> Make, int[] Input)[]
        {
            (fuse => new Sequential(new Conv2d(2, 3, 5, padding: 2), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(3 * 7 * 7, 4))
                { FuseActivations = fuse }, [2, 15, 15]),
            (fuse => new Sequential(new Conv2d(1, 8, 3, stride: 2), new MaxPool2d(2), new Conv2d(8, 2, 2, padding: 1), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(2 * 3 * 3, 4)) { FuseActivations = fuse }, [1, 23, 24]), // 23x24 -> 11x11 -> 5x5 -> 6x6 -> 3x3
            (fuse => new Sequential(new Conv2d(4, 4, 3), new ReLU(), new MaxPool2d(2), new Conv2d(4, 3, 3, stride: 2), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(3, 4)) { FuseActivations = fuse }, [4, 14, 13]), // 14x13 -> 12x11 -> 6x5 -> 2x2 -> 1x1
        };
        int scattered = 0, sparse = 0;
        foreach (var (make, shape) in nets)
        foreach (bool inputGradient in new[] { false, true })
        {
            var rng = new Random(83);
            // A third of the pixels inked, as the scatter from the input's non-zero pixels meets them.
            var x = Check.Random(rng, n * shape[0] * shape[1] * shape[2]).Select(v => rng.NextDouble() < 0.33 ? v : 0f).ToArray();
            var r = Check.Random(rng, n * 4);
            using var input = Tensor.FromArray(d, x, n, shape[0], shape[1], shape[2]);
            using var dy = Tensor.FromArray(d, r, n, 4);
            var grads = new List<float[][]>();
            foreach (bool fuse in new[] { true, false })
            {
                using var net = make(fuse);
                net.SparseInput = fuse;
                net.ComputeInputGradient = inputGradient;
                net.Build(d, n, shape);
                Init.Apply(net, InitKind.HeNormal, 9);
                foreach (var b in net.Parameters.Where(q => q.IsBias)) b.Value.CopyFrom(Check.Random(new Random(3), (int)b.Value.Length, 0.2f));
                var output = net.Forward(input, n).ToArray();
                var dx = net.Backward(dy, n)?.ToArray() ?? [];
                var first = (Conv2d)net.Layers[0];
                Assert.Equal(fuse && !inputGradient, first.GradientThroughPool is not null);
                Assert.Equal(fuse && inputGradient && first.InChannels % 4 == 0, first.InputGradientThroughPool is not null);
                scattered += net.Layers.OfType<Conv2d>().Count(c => c.InputGradientThroughPool is not null);
                Assert.Equal(fuse && first.Stride == 1 && d.WorkShape == WorkShape.Coarse, first.ScattersInput);
                sparse += first.ScattersInput ? 1 : 0;
                grads.Add([dx, .. net.Parameters.Select(p => p.Grad.ToArray()), output]);
            }
            Assert.Contains(grads[1][1], v => v != 0f);
            if (inputGradient) Assert.Contains(grads[1][0], v => v != 0f);
            for (int i = 0; i < grads[0].Length; i++) Check.Close(grads[1][i], grads[0][i], atol: 1e-5f, rtol: 1e-4f, what: $"gradient {i} ({(inputGradient ? "with" : "without")} the input's)");
        }
        Assert.Equal(5, scattered); // the 8- and 4-channel inner convolutions (twice each), and the last net's first one with its input gradient on
        Assert.Equal(d.WorkShape == WorkShape.Coarse ? 4 : 0, sparse); // the stride-1 first layers, with and without their input gradient
    }

    /// <summary>
    /// Model 4's layer pattern (conv, relu, pool, conv, relu, pool, flatten, linear) through Sequential, against the
    /// same chain computed by the plain C# references. Finite differences cannot prove a deep ReLU/max net's first
    /// layer (every weight moves hundreds of pre-activations, so any step crosses kinks); the layers are proven one
    /// by one above, and this proves that Sequential wires them together exactly.
    /// </summary>
    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void Sequential_matches_reference_chain(string profile)
    {
        var d = Devices.Get(profile);
        var rng = new Random(50);
        int n = 3;
        using var net = new Sequential(
            new Conv2d(1, 3, 3), new ReLU(), new MaxPool2d(2),
            new Conv2d(3, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 3 * 3, 5));
        net.Build(d, n, [1, 14, 15]); // 14x15 -> 12x13 -> 6x6 -> 6x6 -> 3x3
        Init.Apply(net, InitKind.HeNormal, 7);
        var p = net.Parameters;
        foreach (var b in p.Where(q => q.IsBias)) b.Value.CopyFrom(Check.Random(rng, (int)b.Value.Length, 0.2f));
        var w = p.Select(q => q.Value.ToArray()).ToArray();

        var x = Check.Random(rng, n * 14 * 15);
        var r = Check.Random(rng, n * 5);
        using var input = Tensor.FromArray(d, x, n, 1, 14, 15);
        using var dyTensor = Tensor.FromArray(d, r, n, 5);
        var y = net.Forward(input, n).ToArray();
        net.Backward(dyTensor, n);

        // The reference chain.
        var g1 = ConvGeometry.Create(n, 1, 14, 15, 3, 3, 3, 1, 0);
        var a1 = Reference.ConvForward(x, w[0], w[1], g1);
        var r1 = a1.Select(v => Math.Max(v, 0f)).ToArray();
        var pg1 = PoolGeometry.Create(n, 3, 12, 13, 2, 2);
        var (p1, arg1) = Reference.PoolForward(r1, pg1);
        var g2 = ConvGeometry.Create(n, 3, 6, 6, 4, 3, 3, 1, 1);
        var a2 = Reference.ConvForward(p1, w[2], w[3], g2);
        var r2 = a2.Select(v => Math.Max(v, 0f)).ToArray();
        var pg2 = PoolGeometry.Create(n, 4, 6, 6, 2, 2);
        var (p2, arg2) = Reference.PoolForward(r2, pg2);
        var lin = GemmGeometry.Create(n, 5, 36, false, true);
        var expectedY = Reference.Gemm(p2, w[4], w[5], lin);
        Check.Close(expectedY, y, what: "sequential forward");

        var dW5 = Reference.Gemm(r, p2, null, GemmGeometry.Create(5, 36, n, true, false));
        var db5 = Enumerable.Range(0, 5).Select(j => Enumerable.Range(0, n).Sum(i => r[i * 5 + j])).ToArray();
        var dp2 = Reference.Gemm(r, w[4], null, GemmGeometry.Create(n, 36, 5, false, false));
        var dr2 = Reference.PoolBackward(dp2, arg2, pg2);
        var da2 = dr2.Select((v, i) => r2[i] > 0 ? v : 0f).ToArray();
        var (dp1, dW3, db3) = Reference.ConvBackward(p1, w[2], da2, g2);
        var dr1 = Reference.PoolBackward(dp1, arg1, pg1);
        var da1 = dr1.Select((v, i) => r1[i] > 0 ? v : 0f).ToArray();
        var (_, dW1, db1) = Reference.ConvBackward(x, w[0], da1, g1);

        var expected = new[] { dW1, db1, dW3, db3, dW5, db5 };
        for (int i = 0; i < p.Count; i++)
            Check.Close(expected[i], p[i].Grad.ToArray(), atol: 1e-4f, rtol: 1e-3f, what: p[i].Name);
    }

    [SkippableTheory, MemberData(nameof(Devices.All), MemberType = typeof(Devices))]
    public void SoftmaxCrossEntropy_gradient(string profile) => SoftmaxCrossEntropyGradient(profile, 0f);

    [Fact]
    public void SoftmaxCrossEntropy_gradient_with_label_smoothing() => SoftmaxCrossEntropyGradient("cpu-default/coarse", 0.2f);

    private static void SoftmaxCrossEntropyGradient(string profile, float smoothing)
    {
        var d = Devices.Get(profile);
        var rng = new Random(60);
        int rows = 6, classes = 5;
        var z = Check.Random(rng, rows * classes, 3f);
        var labels = Enumerable.Range(0, rows).Select(_ => rng.Next(classes)).ToArray();
        using var loss = new SoftmaxCrossEntropyLoss(d, rows, classes, labelSmoothing: smoothing);
        using var logits = Tensor.FromArray(d, z, rows, classes);
        loss.SetLabels(labels);
        loss.Compute(logits, rows);
        loss.ReadStats();
        var analytic = loss.LogitsGrad.ToArray();
        for (int i = 0; i < z.Length; i++)
        {
            float keep = z[i];
            z[i] = keep + Eps; logits.CopyFrom(z); loss.Compute(logits, rows); double plus = loss.ReadStats().Loss;
            z[i] = keep - Eps; logits.CopyFrom(z); loss.Compute(logits, rows); double minus = loss.ReadStats().Loss;
            z[i] = keep;
            double numeric = (plus - minus) / (2 * Eps);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-3 + 1e-2 * Math.Abs(numeric), $"dz[{i}]: analytic {analytic[i]}, numeric {numeric}");
        }
    }
}
