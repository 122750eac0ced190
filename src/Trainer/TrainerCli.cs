using System.Globalization;
using System.CommandLine;
using System.Text.Json;
using Solver.Kernels;
using Solver.Layers;
using Solver.Layers.Onnx;
using Spectre.Console;

namespace Solver.Trainer;

/// <summary>
/// The <c>trainer</c> command line. Every failure a user can cause ends in one line "error: ..." on stderr and
/// exit code 2; an unexpected one in exit code 1 (the stack trace only with SOLVER_DEBUG=1).
/// </summary>
public static class TrainerCli
{
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancel = default)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var configOption = new Option<string?>("--config") { Description = "Training config (JSON), e.g. configs/model4.json" };
        var dataOption = new Option<string[]>("--data") { Description = "Data folder, zip, or folder of zips in the Kaggle layout; repeat to merge. Overrides data.paths", AllowMultipleArgumentsPerToken = true };
        var acceleratorOption = new Option<string?>("--accelerator") { Description = $"auto (default), cuda, opencl or cpu; also SOLVER_ACCELERATOR" };
        var epochsOption = new Option<int?>("--epochs") { Description = "Overrides the config's epochs" };
        var outOption = new Option<string?>("--out") { Description = "Output folder (default runs/<config name>)" };
        var resumeOption = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output folder" };
        var seedOption = new Option<int?>("--seed") { Description = "Overrides the config's seed (init and shuffle)" };
        var cacheOption = new Option<string?>("--cache") { Description = "Folder for the decoded-dataset cache (default ~/.cache/solver or SOLVER_CACHE)" };

        var root = new RootCommand(
            "Train a model described by a JSON config on handwritten math symbols, then write metrics, reports and weights.\n\n" +
            "Examples:\n  trainer --config configs/model4.json\n  trainer --config configs/model4.json --data ../shared/data/hms --epochs 5 --out runs/m4\n" +
            "  trainer --config configs/model4.json --out runs/m4 --resume\n  trainer evaluate --weights runs/m4/model.safetensors --data ../shared/data/hms\n" +
            "  trainer export-split --config configs/model4.json --out runs/m4-split\n" +
            "  trainer export --weights models/recognizer.safetensors --format onnx --out recognizer.onnx");
        foreach (var o in new Option[] { configOption, dataOption, acceleratorOption, epochsOption, outOption, resumeOption, seedOption, cacheOption }) root.Options.Add(o);

        int exit = 0;
        root.SetAction(parse => exit = Guard(stderr, () =>
        {
            var configPath = parse.GetValue(configOption) ?? throw new ConfigException("--config is required (e.g. --config configs/model4.json)");
            var config = LoadConfig(configPath, parse.GetValue(dataOption), parse.GetValue(epochsOption), parse.GetValue(seedOption));
            var outDir = parse.GetValue(outOption) ?? Path.Combine("runs", config.Name);
            return Train(config, outDir, parse.GetValue(resumeOption), parse.GetValue(acceleratorOption), parse.GetValue(cacheOption), stdout, cancel);
        }));

        var weightsOption = new Option<string>("--weights") { Description = "Exported weights (model.safetensors); several files separated by commas are scored as an ensemble, probabilities averaged", Required = true };
        var jsonOption = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var evalData = new Option<string[]>("--data") { Description = "Data to score (Kaggle layout); repeat to merge", Required = true, AllowMultipleArgumentsPerToken = true };
        var splitConfig = new Option<string?>("--config") { Description = "Score only the test split this config defines (default: every image)" };
        var averageOption = new Option<bool>("--average-variants") { Description = "Read each image also in six small poses and average the probabilities, as the solver does" };
        var splitPart = new Option<string>("--split") { Description = "With --config: score its test split (default) or its validation split (val), to choose among weights without looking at the test images", DefaultValueFactory = _ => "test" };
        splitPart.AcceptOnlyFromAmong("test", "val");
        var probabilitiesOption = new Option<string?>("--probabilities") { Description = "Also write each image's class probabilities to this CSV (truth, then one column a class), so that ensembles of scored networks can be compared without reading the images again (scripts/choose_ensemble.py)" };
        var evaluate = new Command("evaluate",
            "Score exported weights on a dataset in the Kaggle layout (only the classes the weights know).\n\n" +
            "Example:\n  trainer evaluate --weights runs/model4/model.safetensors --data ../shared/data/hms --json");
        foreach (var o in new Option[] { weightsOption, evalData, splitConfig, splitPart, averageOption, probabilitiesOption, jsonOption, acceleratorOption, cacheOption }) evaluate.Options.Add(o);
        evaluate.SetAction(parse => exit = Guard(stderr, () => Evaluate(parse.GetValue(weightsOption)!, parse.GetValue(evalData)!, parse.GetValue(splitConfig),
            parse.GetValue(splitPart) == "val", parse.GetValue(averageOption), parse.GetValue(jsonOption), parse.GetValue(acceleratorOption), parse.GetValue(cacheOption), stdout,
            parse.GetValue(probabilitiesOption))));
        root.Subcommands.Add(evaluate);

        var exportOut = new Option<string>("--out") { Description = "Folder for the raw split files", Required = true };
        var exportConfig = new Option<string>("--config") { Description = "Config whose data and split to export", Required = true };
        var export = new Command("export-split",
            "Write a config's train/val/test split as raw arrays (uint8 images, int32 labels) for peer tools such as scripts/torch_reference.py.\n\n" +
            "Example:\n  trainer export-split --config configs/model4.json --out runs/model4-split");
        foreach (var o in new Option[] { exportConfig, exportOut, dataOption, cacheOption }) export.Options.Add(o);
        export.SetAction(parse => exit = Guard(stderr, () => ExportSplit(LoadConfig(parse.GetValue(exportConfig)!, parse.GetValue(dataOption), null, null),
            parse.GetValue(exportOut)!, parse.GetValue(cacheOption), stdout)));
        root.Subcommands.Add(export);

        var runOption = new Option<string?>("--run") { Description = "A run folder (with config.json and checkpoint.safetensors)" };
        var fromWeights = new Option<string?>("--weights") { Description = "Exported weights to convert instead of a run (model.safetensors)" };
        var formatOption = new Option<string>("--format") { Description = "safetensors (our weights format) or onnx", DefaultValueFactory = _ => "safetensors" };
        var weightsOut = new Option<string?>("--out") { Description = "File to write (default: <run>/model.safetensors or model.onnx)" };
        var exportWeights = new Command("export",
            "Write a model from a run's latest checkpoint (for a run that was interrupted or is still going), or convert exported weights to ONNX.\n\n" +
            "Examples:\n  trainer export --run runs/model4 --out model4-epoch5.safetensors\n  trainer export --weights models/recognizer.safetensors --format onnx --out recognizer.onnx\n" +
            "  trainer export --run runs/model4 --format onnx");
        foreach (var o in new Option[] { runOption, fromWeights, formatOption, weightsOut }) exportWeights.Options.Add(o);
        exportWeights.SetAction(parse => exit = Guard(stderr, () =>
            Export(parse.GetValue(runOption), parse.GetValue(fromWeights), parse.GetValue(formatOption)!, parse.GetValue(weightsOut), stdout)));
        root.Subcommands.Add(exportWeights);

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors) stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine("run 'trainer --help' for usage");
            return 2;
        }
        var invoked = result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        return invoked != 0 ? invoked : exit;
    }

    private static int Guard(TextWriter stderr, Func<int> body) => CliGuard.Run(stderr, body);

    private static int Export(string? run, string? weightsPath, string format, string? outPath, TextWriter stdout)
    {
        if ((run is null) == (weightsPath is null)) throw new ConfigException("export needs exactly one of --run or --weights");
        if (format is not ("safetensors" or "onnx")) throw new ConfigException($"--format must be safetensors or onnx, got '{format}'");
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        if (weightsPath is not null)
        {
            if (format != "onnx") throw new ConfigException("--weights is already safetensors; use --format onnx to convert it");
            var weights = ModelWeights.Load(weightsPath);
            using var loaded = weights.CreateNetwork(device, 1);
            var target = outPath ?? Path.ChangeExtension(weightsPath, ".onnx");
            OnnxExport.Save(target, loaded, Path.GetFileNameWithoutExtension(weightsPath), OnnxMetadata(weights.Classes));
            stdout.WriteLine($"wrote {target} (ONNX, input [batch, {string.Join(", ", weights.Model.Input)}], {weights.Classes.Count} classes)");
            return 0;
        }

        var config = TrainerConfig.Load(Path.Combine(run!, "config.json"));
        using var net = config.Model.Build(config.Data.Classes.Count);
        net.Build(device, 1, [.. config.Model.Input]);
        using var optimizer = config.Optimizer.Create(net.Parameters);
        var state = Checkpoint.Load(Path.Combine(run!, Checkpoint.FileName), net, optimizer);
        var path = outPath ?? Path.Combine(run!, format == "onnx" ? "model.onnx" : "model.safetensors");
        if (format == "onnx")
        {
            net.Train(false);
            OnnxExport.Save(path, net, config.Name, OnnxMetadata(config.Data.Classes));
        }
        else
            ModelWeights.Save(path, net, config.Data.Classes, config.Model, new Dictionary<string, string> { ["config"] = config.ToJson(), ["epochs"] = state.History.Count.ToString() });
        stdout.WriteLine($"wrote {path} (after {state.History.Count} epochs)");
        return 0;
    }

    /// <summary>The class names in label order, so that an ONNX consumer can name the arg-max.</summary>
    private static Dictionary<string, string> OnnxMetadata(IReadOnlyList<string> classes) =>
        new() { ["classes"] = JsonSerializer.Serialize(classes), ["producer"] = "Solver trainer" };

    public static TrainerConfig LoadConfig(string path, string[]? data, int? epochs, int? seed)
    {
        var config = TrainerConfig.Load(path);
        if (data is { Length: > 0 }) config.Data.Paths = [.. data];
        if (epochs is not null) config.Epochs = epochs.Value;
        if (seed is not null) config.Seed = seed.Value;
        if (config.Data.Paths.Count == 0) throw new ConfigException($"{path}: data.paths is empty and no --data was given");
        config.Validate(path);
        return config;
    }

    private static ComputeDevice OpenDevice(string? accelerator, TextWriter stdout)
    {
        var device = ComputeDevice.Create(AcceleratorChoiceParser.Resolve(accelerator));
        stdout.WriteLine(device.Description);
        return device;
    }

    private static (Dataset Data, DataSplit Split) LoadData(TrainerConfig config, string? cache, TextWriter stdout)
    {
        var paths = config.Data.Paths.Select(p => DataSource.Resolve(p, config.BaseDirectory)).ToList();
        var data = Dataset.Load(paths, config.Data.Classes, cache, stdout.WriteLine);
        if (config.Data.Ink is { } ink && config.Data.Augment is { Ink: > 0 })
        {
            var inkPath = DataSource.Resolve(ink, config.BaseDirectory);
            if (data.AttachInk(inkPath, stdout.WriteLine) == 0)
                throw new ConfigException($"data.ink {inkPath}: none of the images has its InkML there (files iso<N>.inkml pair with images named ...iso<N>.png)");
        }
        var split = Splitter.CapTraining(data, Splitter.Split(data, config.Data.Split, config.Data.MaxPerClass), config.Data.MaxTrainPerClass, config.Data.Split.Seed);
        if (config.Data.Split.TrainOnVal) split = Splitter.TrainOnVal(split);
        stdout.WriteLine($"split: {split.Train.Length} train, {split.Val.Length} val, {split.Test.Length} test (seed {config.Data.Split.Seed}, grouped by expression where known)");
        var missing = config.Data.Classes.Where((c, i) => data.Labels.All(l => l != i)).ToList();
        if (missing.Count > 0) stdout.WriteLine($"warning: no images of class(es) {string.Join(", ", missing)}");
        return (data, split);
    }

    private static int Train(TrainerConfig config, string outDir, bool resume, string? accelerator, string? cache, TextWriter stdout, CancellationToken cancel)
    {
        using var device = OpenDevice(accelerator, stdout);
        var (data, split) = LoadData(config, cache, stdout);
        if (split.Train.Length == 0) throw new ConfigException("the training split is empty");
        Directory.CreateDirectory(outDir);
        WriteDataSummary(Path.Combine(outDir, "data.md"), data, split);
        var session = new TrainingSession(config, data, split, device, outDir, stdout.WriteLine);

        // Ctrl-C: finish the batch in flight, save a checkpoint, exit cleanly.
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        ConsoleCancelEventHandler handler = (_, e) => { e.Cancel = true; interrupt.Cancel(); };
        Console.CancelKeyPress += handler;
        try
        {
            TrainingResult result;
            if (ReferenceEquals(stdout, Console.Out) && AnsiConsole.Profile.Capabilities.Interactive)
            {
                result = null!;
                AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        ProgressTask? task = null;
                        int current = -1;
                        session.OnBatch = (epoch, b, batches, l, acc, ips) =>
                        {
                            if (epoch != current) { task?.StopTask(); task = ctx.AddTask($"epoch {epoch + 1}", maxValue: batches); current = epoch; }
                            task!.Value = b;
                            task.Description = FormattableString.Invariant($"epoch {epoch + 1}/{config.Epochs} loss {l:F3} acc {acc * 100:F1}% {ips:F0} img/s");
                        };
                        result = session.Run(resume, interrupt.Token);
                    });
            }
            else
            {
                result = session.Run(resume, interrupt.Token);
            }
            if (result.Interrupted) return 130;
            stdout.WriteLine($"wrote {Path.Combine(outDir, "model.safetensors")}, metrics.csv, report.md, report.csv, confusion.csv");
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= handler;
        }
    }

    private static void WriteDataSummary(string path, Dataset data, DataSplit split)
    {
        var tr = data.CountPerClass(split.Train); var va = data.CountPerClass(split.Val); var te = data.CountPerClass(split.Test);
        var sb = new System.Text.StringBuilder("| class | train | val | test |\n|---|---:|---:|---:|\n");
        for (int c = 0; c < data.Classes.Count; c++) sb.AppendLine($"| {data.Classes[c].Replace("|", "\\|")} | {tr[c]} | {va[c]} | {te[c]} |");
        sb.AppendLine($"| all | {split.Train.Length} | {split.Val.Length} | {split.Test.Length} |");
        sb.AppendLine().AppendLine($"{data.Skipped} unreadable image(s) skipped.");
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    private static int Evaluate(string weightsPath, string[] dataPaths, string? splitConfig, bool validation, bool average, bool json, string? accelerator, string? cache, TextWriter stdout, string? probabilitiesPath = null)
    {
        // Several files separated by commas: an ensemble, its probabilities averaged.
        var members = WeightsList.Load(weightsPath);
        var weights = members[0];
        var log = json ? TextWriter.Null : stdout;
        using var device = ComputeDevice.Create(AcceleratorChoiceParser.Resolve(accelerator));
        log.WriteLine(device.Description);
        var paths = dataPaths.Select(p => DataSource.Resolve(p, Directory.GetCurrentDirectory())).ToList();
        var data = Dataset.Load(paths, weights.Classes, cache, log.WriteLine);
        int[] indices = Enumerable.Range(0, data.Count).ToArray();
        if (splitConfig is not null)
        {
            var config = TrainerConfig.Load(splitConfig);
            var split = Splitter.Split(data, config.Data.Split, config.Data.MaxPerClass);
            indices = validation ? split.Val : split.Test;
        }
        else if (validation) throw new ConfigException("--split val needs --config, whose split it names");
        const int batch = 256;
        var nets = new List<Sequential>();
        Evaluation result;
        try
        {
            foreach (var m in members) nets.Add(m.CreateNetwork(device, batch));
            using var loss = new SoftmaxCrossEntropyLoss(device, batch, weights.Classes.Count);
            using var input = Tensor.Zeros(device, [batch, .. weights.Model.Input]);
            result = average || nets.Count > 1 || probabilitiesPath is not null
                ? Evaluation.RunAveraged(nets, input, data, indices, weights.Classes.Count, variants: average)
                : Evaluation.Run(nets[0], loss, input, data, indices);
        }
        finally
        {
            foreach (var n in nets) n.Dispose();
        }
        var report = ClassificationReport.Compute(weights.Classes, result.Truth, result.Predicted);
        if (probabilitiesPath is not null) WriteProbabilities(probabilitiesPath, weights.Classes, result);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                weights = weightsPath,
                averaged = average,
                images = report.Total,
                accuracy = report.Accuracy,
                loss = result.Loss,
                macro_avg = report.MacroAverage,
                weighted_avg = report.WeightedAverage,
                classes = report.PerClass,
            }, new JsonSerializerOptions(TrainerConfig.JsonOptions) { UnmappedMemberHandling = default }));
        }
        else
        {
            stdout.Write(report.ToMarkdown($"{Path.GetFileName(weightsPath)} on {string.Join(", ", dataPaths)}"));
        }
        return 0;
    }

    /// <summary>One row an image, in the order scored: its true class, then its probability of each class.</summary>
    private static void WriteProbabilities(string path, IReadOnlyList<string> classes, Evaluation result) =>
        AtomicFile.Write(path, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            using var csv = new CsvHelper.CsvWriter(w, CultureInfo.InvariantCulture);
            csv.WriteField("truth");
            foreach (var c in classes) csv.WriteField(c);
            csv.NextRecord();
            for (int i = 0; i < result.Truth.Length; i++)
            {
                csv.WriteField(classes[result.Truth[i]]);
                for (int c = 0; c < classes.Count; c++) csv.WriteField(result.Probabilities![i * classes.Count + c].ToString("R", CultureInfo.InvariantCulture));
                csv.NextRecord();
            }
        });

    private static int ExportSplit(TrainerConfig config, string outDir, string? cache, TextWriter stdout)
    {
        var (data, split) = LoadData(config, cache, stdout);
        Directory.CreateDirectory(outDir);
        foreach (var (name, idx) in new[] { ("train", split.Train), ("val", split.Val), ("test", split.Test) })
        {
            AtomicFile.Write(Path.Combine(outDir, $"{name}_images.u8"), s => { foreach (var i in idx) s.Write(data.Image(i)); });
            AtomicFile.Write(Path.Combine(outDir, $"{name}_labels.i32"), s => { foreach (var i in idx) s.Write(BitConverter.GetBytes(data.Labels[i])); });
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, "classes.json"), JsonSerializer.Serialize(data.Classes));
        stdout.WriteLine($"wrote {outDir}: *_images.u8 (N x 45 x 45 uint8, ink bright), *_labels.i32, classes.json");
        return 0;
    }
}
