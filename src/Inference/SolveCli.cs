using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using SixLabors.ImageSharp;
using Solver.Inference.Imaging;
using Solver.Inference.Reading;
using Solver.Inference.Rendering;
using Solver.Kernels;
using Solver.Trainer;

namespace Solver.Inference;

/// <summary>
/// The <c>solve</c> command line: <c>solve IMAGE</c> (also <c>solve solve IMAGE</c>, as the README's
/// <c>dotnet run --project src/Inference -- solve examples/...</c> passes it) and <c>solve render</c>.
/// A problem with the input ends in one line "error: ..." and exit code 2.
/// </summary>
public static class SolveCli
{
    public const string DefaultWeightsName = "recognizer.safetensors";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var image = new Argument<string>("image") { Description = "A photo or drawing of one equation (PNG, JPEG or BMP)" };
        var weights = new Option<string?>("--weights") { Description = $"Recognizer weights (default: models/{DefaultWeightsName} next to the program, or SOLVER_WEIGHTS); several files separated by commas are averaged" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (docs/formats.md)" };
        var steps = new Option<bool>("--steps") { Description = "Show the working" };
        var debugDir = new Option<string?>("--debug-dir") { Description = "Write the ink mask and each symbol's input region beside its normalized crop" };
        var accelerator = new Option<string?>("--accelerator") { Description = "auto (default), cuda, opencl or cpu; also SOLVER_ACCELERATOR" };
        var binarize = new Option<string>("--binarize") { Description = "sauvola (adaptive, default) or otsu", DefaultValueFactory = _ => "sauvola" };

        Command SolveCommand(Command c)
        {
            c.Arguments.Add(image);
            foreach (var o in new Option[] { weights, json, steps, debugDir, accelerator, binarize }) c.Options.Add(o);
            return c;
        }

        int exit = 0;
        var root = SolveCommand(new RootCommand(
            "Read a handwritten equation from an image and solve it.\n\nExamples:\n  solve examples/linear.png\n  solve photo.jpg --steps\n" +
            "  solve photo.jpg --json --debug-dir debug/\n  solve render \"2x+3=7\" --out eq.png\n  solve serve --port 5080"));
        root.SetAction(p => exit = Solve(p, image, weights, json, steps, debugDir, accelerator, binarize, stdout, stderr));

        var text = new Argument<string>("text") { Description = "Equation text: digits, x y z u v w, + - = ( ) /, * for ×, : for ÷, ^ for an exponent" };
        var output = new Option<string>("--out") { Description = "PNG file to write", Required = true };
        var seed = new Option<int>("--seed") { Description = "Randomness of the hand", DefaultValueFactory = _ => 1 };
        var pen = new Option<double>("--pen") { Description = "Pen width in pixels", DefaultValueFactory = _ => 3.5 };
        var render = new Command("render", "Draw an equation with the built-in stroke renderer (for examples and tests).\n\nExample:\n  solve render \"x^2-5x+6=0\" --out quadratic.png --seed 3");
        render.Arguments.Add(text);
        foreach (var o in new Option[] { output, seed, pen }) render.Options.Add(o);
        render.SetAction(p => exit = Guard(stderr, () =>
        {
            using var img = StrokeRenderer.Render(p.GetValue(text)!, new RenderStyle(PenWidth: p.GetValue(pen)), p.GetValue(seed));
            var path = p.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            img.SaveAsPng(path);
            stdout.WriteLine($"wrote {path} ({img.Width}x{img.Height})");
            return 0;
        }));
        root.Subcommands.Add(render);

        var evalConfig = new Option<string?>("--config") { Description = "The recognizer's training config: its data and test split supply the symbol images (default: the config stored in the weights, so the test split is the one the recognizer never saw)" };
        var evalCount = new Option<int>("--count") { Description = "Equations to compose (half linear, half quadratic)", DefaultValueFactory = _ => 200 };
        var evalSeed = new Option<int>("--seed") { Description = "Seed of the composition", DefaultValueFactory = _ => 1 };
        var verbose = new Option<bool>("--verbose") { Description = "List every equation that was not solved" };
        var dump = new Option<string?>("--dump") { Description = "Write the composed pictures to this folder (they contain dataset ink: never commit them)" };
        var evaluate = new Command("evaluate-composed",
            "Compose random linear and quadratic equations from the test split's handwritten symbols, run the whole pipeline, and report symbol accuracy and solve rate.\n\n" +
            "Example:\n  solve evaluate-composed --count 400 --seed 1   (the shipped recognizer and the test split of the config stored in it)");
        var damage = new Option<int>("--damage") { Description = $"photo damage: 0 none, 1 a phone photo of paper (tilt, ruled lines, uneven light, shadow, blur, noise), up to {Evaluation.PhotoDamage.MaxLevel}", DefaultValueFactory = _ => 0 };
        damage.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v < 0 || v > Evaluation.PhotoDamage.MaxLevel) r.AddError($"--damage must be 0..{Evaluation.PhotoDamage.MaxLevel}"); });
        var only = new Option<string?>("--only") { Description = "Read only these equation numbers (as --verbose lists them, e.g. 98,128): the same pictures as the full run, for looking at its failures" };
        foreach (var o in new Option[] { evalConfig, evalCount, evalSeed, weights, accelerator, verbose, dump, damage, only }) evaluate.Options.Add(o);
        evaluate.SetAction(p => exit = Guard(stderr, () =>
        {
            var weightsPath = ResolveWeights(p.GetValue(weights));
            var picked = Evaluation.ComposedEvaluation.ParsePicks(p.GetValue(only));
            var config = p.GetValue(evalConfig) is { } configPath ? TrainerConfig.Load(configPath) : ConfigOf(weightsPath);
            var paths = config.Data.Paths.Select(x => DataSource.Resolve(x, config.BaseDirectory)).ToList();
            var data = Dataset.Load(paths, config.Data.Classes, null, stdout.WriteLine);
            var split = Splitter.Split(data, config.Data.Split, config.Data.MaxPerClass);
            using var device = ComputeDevice.Create(AcceleratorChoiceParser.Resolve(p.GetValue(accelerator)));
            stdout.WriteLine(device.Description);
            using var reader = EquationReader.Open(weightsPath, device);
            var totals = Evaluation.ComposedEvaluation.Run(reader, data, split.Test, p.GetValue(evalCount), p.GetValue(evalSeed), p.GetValue(verbose) ? stdout : TextWriter.Null, p.GetValue(dump), p.GetValue(damage), picked);
            stdout.WriteLine(Evaluation.ComposedEvaluation.Format(totals));
            return 0;
        }));
        root.Subcommands.Add(evaluate);

        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1", DefaultValueFactory = _ => 5080 };
        port.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v is < 1 or > 65535) r.AddError("--port must be 1..65535"); });
        var serve = new Command("serve",
            "Serve the drawing page (GET /) and the JSON API (POST /api/solve, an image as the form field 'image' or the body) on localhost.\n\n" +
            "Example:\n  solve serve --port 5080   (then open http://localhost:5080/)");
        foreach (var o in new Option[] { port, weights, accelerator }) serve.Options.Add(o);
        serve.SetAction(p => exit = Guard(stderr, () =>
        {
            var app = Server.SolveServer.Build(new Server.ServerOptions
            {
                Port = p.GetValue(port), WeightsPath = ResolveWeights(p.GetValue(weights)),
                Accelerator = AcceleratorChoiceParser.Resolve(p.GetValue(accelerator)),
            });
            try
            {
                app.Start();
            }
            catch (IOException e)
            {
                throw new ArgumentException($"cannot listen on 127.0.0.1:{p.GetValue(port)}: {e.Message}");
            }
            stdout.WriteLine($"serving http://localhost:{p.GetValue(port)}/ (Ctrl-C stops)");
            app.WaitForShutdown();
            return 0;
        }));
        root.Subcommands.Add(serve);

        // "solve solve IMAGE" (how `dotnet run --project src/Inference -- solve IMAGE` arrives) is "solve IMAGE".
        if (args.Length > 0 && args[0] == "solve") args = args[1..];
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine($"error: {parsed.Errors[0].Message} (see 'solve --help')");
            return 2;
        }
        int invoked = parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        return invoked != 0 ? invoked : exit;
    }

    private static int Solve(ParseResult p, Argument<string> image, Option<string?> weights, Option<bool> json, Option<bool> steps,
        Option<string?> debugDir, Option<string?> accelerator, Option<string> binarize, TextWriter stdout, TextWriter stderr) => Guard(stderr, () =>
    {
        var path = p.GetValue(image)!;
        bool asJson = p.GetValue(json);
        if (!File.Exists(path)) return Fail(stdout, stderr, asJson, $"file not found: {path}");
        var method = p.GetValue(binarize)?.ToLowerInvariant() switch
        {
            "otsu" => BinarizationMethod.Otsu,
            "sauvola" or null => BinarizationMethod.Sauvola,
            var other => throw new ArgumentException($"unknown --binarize '{other}'; expected sauvola or otsu"),
        };
        var weightsPath = ResolveWeights(p.GetValue(weights));
        using var device = ComputeDevice.Create(AcceleratorChoiceParser.Resolve(p.GetValue(accelerator)));
        (asJson ? stderr : stdout).WriteLine(device.Description);
        using var reader = EquationReader.Open(weightsPath, device);
        var result = reader.Read(File.ReadAllBytes(path), path, new ReadOptions { Binarization = method, DebugDirectory = p.GetValue(debugDir) });
        if (asJson)
        {
            stdout.WriteLine(JsonSerializer.Serialize(result, Json));
            if (!result.Ok) stderr.WriteLine($"error: {result.Error}");
            return result.Ok ? 0 : 2;
        }
        if (!result.Ok)
        {
            stderr.WriteLine($"error: {result.Error}");
            return 2;
        }
        stdout.WriteLine($"read:     {result.Equation}");
        stdout.WriteLine($"latex:    {result.Latex}");
        stdout.WriteLine(result.Kind switch
        {
            "roots" => $"solution: {string.Join(", ", result.Solutions.Select(s => $"{result.Variable} = {s}"))}" +
                       (result.Solutions.Any(s => s.Contains("k*pi") || s.Contains("pik")) ? "  (k any integer)" : ""),
            "value" => $"value:    {result.Value}",
            _ => $"solution: {result.Message}",
        });
        if (p.GetValue(steps)) foreach (var s in result.Steps) stdout.WriteLine($"  {s}");
        return 0;
    });

    private static int Fail(TextWriter stdout, TextWriter stderr, bool json, string message)
    {
        if (json) stdout.WriteLine(JsonSerializer.Serialize(new ReadResult { Error = message }, Json));
        stderr.WriteLine($"error: {message}");
        return 2;
    }

    /// <summary>The training config stored in exported weights (relative data paths are taken from the working folder).</summary>
    private static TrainerConfig ConfigOf(string weightsPath)
    {
        weightsPath = WeightsList.Split(weightsPath)[0];
        var stored = ModelWeights.Load(weightsPath).Metadata;
        if (!stored.TryGetValue("config", out var json))
            throw new ArgumentException($"{weightsPath} holds no training config; pass --config with the one it was trained with");
        return TrainerConfig.Parse(json, $"the config stored in {weightsPath}");
    }

    /// <summary>
    /// --weights, else SOLVER_WEIGHTS, else models/recognizer.safetensors beside the program or in the working folder.
    /// Several files separated by commas make an ensemble; each must exist.
    /// </summary>
    public static string ResolveWeights(string? given)
    {
        if (!string.IsNullOrEmpty(given)) return Existing(given, "");
        if (Environment.GetEnvironmentVariable("SOLVER_WEIGHTS") is { Length: > 0 } env) return Existing(env, " (SOLVER_WEIGHTS)");
        foreach (var dir in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            var candidate = Path.Combine(dir, "models", DefaultWeightsName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"no recognizer weights: pass --weights or put models/{DefaultWeightsName} beside the program");
    }

    private static string Existing(string weights, string source)
    {
        foreach (var file in WeightsList.Split(weights))
            if (!File.Exists(file)) throw new FileNotFoundException($"weights file not found: {file}{source}");
        return weights;
    }

    private static int Guard(TextWriter stderr, Func<int> body) => CliGuard.Run(stderr, body);
}
