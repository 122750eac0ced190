using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Inference;
using Solver.Inference.Algebra;
using Solver.Inference.Reading;
using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Tests;

/// <summary>Every failure of `solve` is one clear line and exit code 2: never a stack trace.</summary>
public sealed class SolveCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Weights of the recognizer's shape with random values: enough to exercise every path but recognition.</summary>
    private string RandomWeights() => TestWeights.Random(Path.Combine(dir, "random.safetensors"), ["0", "1", "2", "x", "y", "+", "-", "="], 1);

    private (int Code, string Out, string Err) Solve(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        return (SolveCli.Run(args, o, e), o.ToString(), e.ToString());
    }

    private void AssertCleanError((int Code, string Out, string Err) r, string expected)
    {
        Assert.Equal(2, r.Code);
        Assert.Contains(expected, r.Err);
        Assert.StartsWith("error: ", r.Err.Trim().Split('\n')[^1]);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Fact]
    public void Missing_file() => AssertCleanError(Solve(Path.Combine(dir, "nope.png"), "--weights", RandomWeights()), "file not found");

    [Fact]
    public void Not_an_image_and_an_empty_file()
    {
        var text = Path.Combine(dir, "notes.png");
        File.WriteAllText(text, "this is not a picture");
        AssertCleanError(Solve(text, "--weights", RandomWeights()), "not an image in an accepted format (PNG, JPEG, BMP)");
        var empty = Path.Combine(dir, "empty.png");
        File.WriteAllBytes(empty, []);
        AssertCleanError(Solve(empty, "--weights", RandomWeights()), "the file is empty");
    }

    [Fact]
    public void A_header_claiming_100000_by_100000_is_refused_before_decoding()
    {
        var bomb = Path.Combine(dir, "bomb.png");
        File.WriteAllBytes(bomb, PngHeader(100000, 100000));
        var r = Solve(bomb, "--weights", RandomWeights(), "--json");
        AssertCleanError(r, "100000x100000 is larger than the limit");
        Assert.Contains("\"error\":", r.Out);
    }

    [Fact]
    public void A_gif_is_refused_and_a_blank_image_has_no_writing()
    {
        var gif = Path.Combine(dir, "a.gif");
        using (var img = new Image<Rgba32>(20, 20)) img.SaveAsGif(gif);
        AssertCleanError(Solve(gif, "--weights", RandomWeights()), "accepted format");
        var blank = Path.Combine(dir, "blank.png");
        using (var img = new Image<L8>(300, 100, new L8(255))) img.SaveAsPng(blank);
        AssertCleanError(Solve(blank, "--weights", RandomWeights()), "no writing found");
    }

    [Fact]
    public void Bad_weights_and_bad_options_are_clear_errors()
    {
        var img = Path.Combine(dir, "eq.png");
        using (var i = Solver.Inference.Rendering.StrokeRenderer.Render("1+1", new(), 1)) i.SaveAsPng(img);
        AssertCleanError(Solve(img, "--weights", Path.Combine(dir, "none.safetensors")), "weights file not found");
        var junk = Path.Combine(dir, "junk.safetensors");
        File.WriteAllBytes(junk, [1, 2, 3, 4]);
        AssertCleanError(Solve(img, "--weights", junk), "too short");
        AssertCleanError(Solve(img, "--weights", RandomWeights(), "--binarize", "magic"), "unknown --binarize");
        AssertCleanError(Solve(img, "--bogus"), "--bogus");
        AssertCleanError(Solve("evaluate-composed", "--weights", RandomWeights(), "--only", "98,x1"), "not 'x1'");
    }

    [Fact]
    public void Picked_equation_numbers_parse_as_a_set()
    {
        Assert.Null(Solver.Inference.Evaluation.ComposedEvaluation.ParsePicks(null));
        Assert.Null(Solver.Inference.Evaluation.ComposedEvaluation.ParsePicks(" "));
        Assert.Equal(new HashSet<int> { 98, 128, 7 }, Solver.Inference.Evaluation.ComposedEvaluation.ParsePicks("98, 128,7,98"));
        Assert.Throws<ArgumentException>(() => Solver.Inference.Evaluation.ComposedEvaluation.ParsePicks("-3"));
    }

    [Fact]
    public void Weights_with_nan_values_or_tensors_that_do_not_fit_their_model_are_clear_errors()
    {
        var img = Path.Combine(dir, "eq.png");
        using (var i = Solver.Inference.Rendering.StrokeRenderer.Render("1+1", new(), 1)) i.SaveAsPng(img);
        var file = SafeTensors.Read(RandomWeights());
        var first = file.Tensors.Keys.Order().First(k => k.EndsWith(".weight")); // a 4-d conv weight

        var nan = Path.Combine(dir, "nan.safetensors");
        SafeTensors.Write(nan, file.Tensors.Values.Select(t => t.Name == first ? t with { Data = [float.NaN, .. t.Data[1..]] } : t), file.Metadata);
        AssertCleanError(Solve(img, "--weights", nan), "NaN or infinite");

        var misfit = Path.Combine(dir, "misfit.safetensors");
        SafeTensors.Write(misfit, file.Tensors.Values.Select(t => t.Name == first ? new NamedTensor(t.Name, [t.Data.Length], t.Data) : t), file.Metadata);
        AssertCleanError(Solve(img, "--weights", misfit), "the model needs");

        var noSpec = Path.Combine(dir, "nospec.safetensors");
        SafeTensors.Write(noSpec, file.Tensors.Values); // plain safetensors from elsewhere: no classes, no model
        var r = Solve(img, "--weights", noSpec);
        Assert.Equal(2, r.Code);
        Assert.StartsWith("error: ", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }

    [Theory]
    [InlineData(new[] { "x", "+", "y", "=", "2" }, "two unknowns (x and y)")]
    [InlineData(new[] { "2", "+", "=", "1" }, "needs a term after it at symbol 3")]
    [InlineData(new[] { "x", "rightarrow", "2" }, "'→' (symbol 2) is not something the solver can use")]
    public void Read_symbols_that_cannot_be_solved_say_which_part(string[] labels, string message)
    {
        var ex = Assert.ThrowsAny<Exception>(() =>
            EquationSolver.Solve(Parser.Parse(TokenBuilder.Build(labels, labels.Select(_ => false).ToList()), "symbol")));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Tokens_from_symbols_join_digits_and_wrap_exponents()
    {
        var tokens = TokenBuilder.Build(["1", "2", "x", "2", "+", "3", "=", "0"], [false, false, false, true, false, false, false, false]);
        var s = Parser.Parse(tokens, "symbol");
        Assert.Equal("12x^2+3=0", ExprFormat.Text(s));
    }

    private static byte[] PngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 0; // 8-bit grayscale
        var type = "IHDR"u8.ToArray();
        var crcInput = type.Concat(ihdr).ToArray();
        var file = new List<byte>();
        file.AddRange(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var len = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(len, 13); file.AddRange(len);
        file.AddRange(crcInput);
        var crc = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(crcInput)); file.AddRange(crc);
        file.AddRange(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 }); // IEND
        return [.. file];
    }

    private static uint Crc32(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
