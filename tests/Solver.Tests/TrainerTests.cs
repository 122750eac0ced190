using Solver.Kernels;
using Solver.Layers;
using Solver.Trainer;

namespace Solver.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("solver-trainer-").FullName;
    private string Cache => Path.Combine(dir, "cache");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TrainerCli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void A_short_run_on_generated_data_learns_and_writes_everything()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 40, seed: 1);
        var config = TinyData.Config(dir, data, epochs: 10);
        var outDir = Path.Combine(dir, "run");
        var (code, stdout, stderr) = Cli("--config", config, "--out", outDir, "--accelerator", "cpu", "--cache", Cache);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("accelerator: cpu", stdout);
        foreach (var f in new[] { "model.safetensors", "checkpoint.safetensors", "metrics.csv", "report.md", "report.csv", "confusion.csv", "data.md" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        // The pictures and the page that embeds them with the tables.
        Assert.DoesNotContain("warning: pictures", stdout);
        foreach (var f in new[] { "loss.png", "accuracy.png", "confusion.png", "filters.png", "activations.png" })
        {
            var info = SixLabors.ImageSharp.Image.Identify(Path.Combine(outDir, f));
            Assert.True(info.Width >= 40 && info.Height >= 20, $"{f}: {info.Width}x{info.Height}");
        }
        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(html, "data:image/png;base64,").Count);
        Assert.Contains("<td>macro avg</td>", html);
        Assert.Equal(10, System.Text.RegularExpressions.Regex.Matches(html, "<tr><td>\\d+</td><td>\\d").Count); // one row per epoch
        var metrics = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        Assert.Equal("epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,images_per_second", metrics[0]);
        Assert.Equal(11, metrics.Length);
        double firstLoss = double.Parse(metrics[1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
        double lastLoss = double.Parse(metrics[^1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(lastLoss < firstLoss * 0.7, $"train loss {firstLoss} -> {lastLoss}");

        // The exported weights carry classes and model, and evaluate scores them on any data in the layout.
        var weights = ModelWeights.Load(Path.Combine(outDir, "model.safetensors"));
        Assert.Equal(TinyData.Classes, weights.Classes);
        var (ecode, json, eerr) = Cli("evaluate", "--weights", Path.Combine(outDir, "model.safetensors"), "--data", data, "--json", "--accelerator", "cpu", "--cache", Cache);
        Assert.True(ecode == 0, eerr);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(120, doc.RootElement.GetProperty("images").GetInt32());
        Assert.True(doc.RootElement.GetProperty("accuracy").GetDouble() >= 0.8, json); // chance is 1/3
        Assert.Equal(3, doc.RootElement.GetProperty("classes").GetArrayLength());
        Assert.False(doc.RootElement.GetProperty("averaged").GetBoolean());

        // Test-time averaging over the small poses reads the same images about as well (the poses are within the
        // training augmentation), and says that it averaged.
        var (acode, ajson, aerr) = Cli("evaluate", "--weights", Path.Combine(outDir, "model.safetensors"), "--data", data, "--json", "--average-variants", "--accelerator", "cpu", "--cache", Cache);
        Assert.True(acode == 0, aerr);
        using var averaged = System.Text.Json.JsonDocument.Parse(ajson);
        Assert.True(averaged.RootElement.GetProperty("averaged").GetBoolean());
        Assert.Equal(120, averaged.RootElement.GetProperty("images").GetInt32());
        Assert.True(averaged.RootElement.GetProperty("accuracy").GetDouble() >= 0.8, ajson);
        Assert.True(averaged.RootElement.GetProperty("loss").GetDouble() > 0, ajson);

        // --probabilities writes each image's probabilities; their argmax is the accuracy reported beside them, and
        // scripts/choose_ensemble.py averages such files into the same ensemble as `--weights a,b` (here a model with
        // itself, read plainly and in the poses).
        string plainCsv = Path.Combine(dir, "plain.csv"), posedCsv = Path.Combine(dir, "posed.csv");
        var (pcode, pjson, perr) = Cli("evaluate", "--weights", Path.Combine(outDir, "model.safetensors"), "--data", data, "--json", "--probabilities", plainCsv, "--accelerator", "cpu", "--cache", Cache);
        Assert.True(pcode == 0, perr);
        var rows = File.ReadAllLines(plainCsv);
        Assert.Equal("truth," + string.Join(",", TinyData.Classes), rows[0]);
        Assert.Equal(121, rows.Length);
        int argmaxRight = rows.Skip(1).Count(r =>
        {
            var f = r.Split(',');
            var p = f.Skip(1).Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(1.0, p.Sum(), 6);
            return TinyData.Classes[p.IndexOf(p.Max())] == f[0];
        });
        using (var plainDoc = System.Text.Json.JsonDocument.Parse(pjson))
            Assert.Equal(plainDoc.RootElement.GetProperty("accuracy").GetDouble(), argmaxRight / 120.0, 9);
        Assert.True(Cli("evaluate", "--weights", Path.Combine(outDir, "model.safetensors"), "--data", data, "--average-variants", "--probabilities", posedCsv, "--accelerator", "cpu", "--cache", Cache).Code == 0);
        var script = new System.Diagnostics.ProcessStartInfo("python3", [Path.Combine(ExamplesTests.RepoRoot(), "scripts", "choose_ensemble.py"),
            "--names", "plain", "posed", "--val", plainCsv, posedCsv, "--test", plainCsv, posedCsv]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var run = System.Diagnostics.Process.Start(script)!)
        {
            string table = run.StandardOutput.ReadToEnd(), problems = run.StandardError.ReadToEnd();
            run.WaitForExit();
            Assert.True(run.ExitCode == 0, problems);
            Assert.Equal(3, table.Split('\n').Count(l => l.StartsWith("| plain") || l.StartsWith("| posed")));
            Assert.Single(table.Split('\n'), l => l.Contains("(chosen)"));
            // Each network alone reads as its own file says.
            Assert.Contains($"| plain{(table.Contains("| plain (chosen)") ? " (chosen)" : "")} | {100.0 * argmaxRight / 120:F2}% |", table);
        }

        // The same weights twice, as an ensemble, score exactly as they do alone (the mean of equal probabilities).
        var model = Path.Combine(outDir, "model.safetensors");
        var (tcode, tjson, terr) = Cli("evaluate", "--weights", $"{model},{model}", "--data", data, "--json", "--accelerator", "cpu", "--cache", Cache);
        Assert.True(tcode == 0, terr);
        using var twice = System.Text.Json.JsonDocument.Parse(tjson);
        Assert.Equal(doc.RootElement.GetProperty("accuracy").GetDouble(), twice.RootElement.GetProperty("accuracy").GetDouble());
        Assert.Equal(doc.RootElement.GetProperty("loss").GetDouble(), twice.RootElement.GetProperty("loss").GetDouble(), 4);

        // With the config, its test split (the default) or its validation split, which hold different images; the
        // validation split only with a config that names it.
        (int Images, double Loss) Scored(string part)
        {
            var (code, json, err) = Cli("evaluate", "--weights", model, "--data", data, "--config", config, "--split", part, "--json", "--accelerator", "cpu", "--cache", Cache);
            Assert.True(code == 0, err);
            using var result = System.Text.Json.JsonDocument.Parse(json);
            return (result.RootElement.GetProperty("images").GetInt32(), result.RootElement.GetProperty("loss").GetDouble());
        }
        var split = Splitter.Split(Dataset.Load([data], TinyData.Classes, Cache), TrainerConfig.Load(config).Data.Split, 0);
        var (testImages, testLoss) = Scored("test");
        var (valImages, valLoss) = Scored("val");
        Assert.Equal(split.Test.Length, testImages);
        Assert.Equal(split.Val.Length, valImages);
        Assert.NotEqual(testLoss, valLoss); // other images
        var (ncode, _, nerr) = Cli("evaluate", "--weights", model, "--data", data, "--split", "val", "--accelerator", "cpu", "--cache", Cache);
        Assert.NotEqual(0, ncode);
        Assert.Contains("--split val needs --config", nerr);
    }

    [Fact]
    public void Loader_reads_a_folder_a_zip_and_extracted_images_alike_and_skips_bad_files()
    {
        var folder = TinyData.WriteFolder(Path.Combine(dir, "f"), perClass: 4, seed: 2);
        var zip = TinyData.Zip(folder, Path.Combine(dir, "a.zip"));
        var prefixed = TinyData.Zip(folder, Path.Combine(dir, "b.zip"), prefix: "extracted_images/");
        var fromFolder = Dataset.Load([folder], TinyData.Classes, Cache);
        var fromZip = Dataset.Load([zip], TinyData.Classes, Cache);
        var fromPrefixed = Dataset.Load([prefixed], TinyData.Classes, Cache);
        Assert.Equal(12, fromFolder.Count);
        Assert.Equal(fromFolder.Pixels, fromZip.Pixels);
        Assert.Equal(fromFolder.Labels, fromZip.Labels);
        Assert.Equal(fromFolder.Pixels, fromPrefixed.Pixels);
        // Index.csv groups: three images per expression.
        Assert.Equal(4, fromZip.Groups.Distinct().Count());

        // Ink is bright: a white background decodes to 0, strokes to 255.
        Assert.Equal(0, fromFolder.Pixels[0]);
        Assert.Contains((byte)255, fromFolder.Pixels);

        File.WriteAllText(Path.Combine(folder, "bar", "notes.txt"), "not an image");
        File.WriteAllBytes(Path.Combine(folder, "bar", "broken.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var withBad = Dataset.Load([folder], TinyData.Classes, Cache);
        Assert.Equal(12, withBad.Count);
        Assert.Equal(1, withBad.Skipped);
    }

    [Fact]
    public void Kaggle_padded_images_are_cropped_not_resized()
    {
        var root = Path.Combine(dir, "padded");
        Directory.CreateDirectory(Path.Combine(root, "bar"));
        using (var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.L8>(300, 300, new(255)))
        {
            for (int x = 130; x < 170; x++) img[x, 149] = new(0); // a 1 px bar inside the box (127,127,45,45)
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(img, Path.Combine(root, "bar", "k.png"));
        }
        var d = Dataset.Load([root], ["bar", "cross"], Cache);
        var px = d.Image(0).ToArray();
        Assert.Equal(40, px.Count(v => v > 128)); // the same 40 pixels, unscaled
        Assert.Equal(255, px[(149 - 127) * 45 + (130 - 127)]);
    }

    [Fact]
    public void Split_is_deterministic_stratified_and_keeps_groups_together()
    {
        var rng = new Random(3);
        int n = 3000;
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(10) < 7 ? 0 : rng.Next(1, 4)).ToArray();
        var data = new Dataset { Classes = ["a", "b", "c", "d"], Labels = labels, Groups = Enumerable.Range(0, n).Select(i => i / 5).ToArray(), Pixels = new byte[n * SymbolImage.Pixels] };
        var cfg = new SplitConfig { Train = 0.7, Val = 0.1, Test = 0.2, Seed = 11 };
        var a = Splitter.Split(data, cfg, 0);
        var b = Splitter.Split(data, cfg, 0);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Test, b.Test);
        Assert.Equal(n, a.Train.Length + a.Val.Length + a.Test.Length);
        Assert.Empty(a.Train.Intersect(a.Test));
        var trainGroups = a.Train.Select(i => data.Groups[i]).ToHashSet();
        Assert.DoesNotContain(a.Test, i => trainGroups.Contains(data.Groups[i]));
        Assert.DoesNotContain(a.Val, i => trainGroups.Contains(data.Groups[i]));
        var total = data.CountPerClass(Enumerable.Range(0, n));
        var test = data.CountPerClass(a.Test);
        for (int c = 0; c < 4; c++) Assert.InRange((double)test[c] / total[c], 0.17, 0.23);
        Assert.NotEqual(a.Test, Splitter.Split(data, new SplitConfig { Seed = 12 }, 0).Test);

        var capped = Splitter.Split(data, cfg, 100);
        var cappedCounts = data.CountPerClass(capped.Train.Concat(capped.Val).Concat(capped.Test));
        Assert.All(cappedCounts, c => Assert.True(c <= 100));
    }

    [Fact]
    public void Capping_the_training_side_leaves_validation_and_test_alone()
    {
        var data = Dataset.Load([TinyData.WriteFolder(Path.Combine(dir, "cap"), perClass: 30, seed: 3)], TinyData.Classes, Cache);
        var split = Splitter.Split(data, new SplitConfig { Train = 0.6, Val = 0.2, Test = 0.2, Seed = 7 }, 0);
        var capped = Splitter.CapTraining(data, split, 5, 7);
        Assert.Equal(split.Val, capped.Val);
        Assert.Equal(split.Test, capped.Test);
        Assert.All(data.CountPerClass(capped.Train), n => Assert.Equal(5, n));
        Assert.Subset(split.Train.ToHashSet(), capped.Train.ToHashSet());
        Assert.Equal(capped.Train, Splitter.CapTraining(data, split, 5, 7).Train);
    }

    [Fact]
    public void Training_on_validation_keeps_the_test_images_and_runs_without_validation()
    {
        var folder = TinyData.WriteFolder(Path.Combine(dir, "tov"), perClass: 30, seed: 3);
        var data = Dataset.Load([folder], TinyData.Classes, Cache);
        var split = Splitter.Split(data, new SplitConfig { Train = 0.6, Val = 0.2, Test = 0.2, Seed = 7 }, 0);
        var merged = Splitter.TrainOnVal(split);
        Assert.Empty(merged.Val);
        Assert.Equal(split.Test, merged.Test);
        Assert.Equal(split.Train.Concat(split.Val).Order(), merged.Train);

        // A whole run: the same test images as without it, the log says there is no validation, and early stopping is refused.
        var config = TinyData.Write(Path.Combine(dir, "tov.json"), File.ReadAllText(TinyData.Config(dir, folder, epochs: 2))
            .Replace("\"seed\": 7 }", "\"seed\": 7, \"train_on_val\": true }", StringComparison.Ordinal));
        var (code, stdout, stderr) = Cli("--config", config, "--out", Path.Combine(dir, "tov-run"), "--accelerator", "cpu", "--cache", Cache);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains($"split: {merged.Train.Length} train, 0 val, {split.Test.Length} test", stdout);
        Assert.Contains("no validation images", stdout);
        Assert.DoesNotContain("warning: pictures", stdout);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"seed\": 3", "\"seed\": 3, \"early_stopping\": { \"patience\": 2 }", StringComparison.Ordinal));
        var (bad, _, err) = Cli("--config", config, "--out", Path.Combine(dir, "tov-bad"), "--accelerator", "cpu", "--cache", Cache);
        Assert.Equal(2, bad);
        Assert.Contains("train_on_val", err);
        // Nor can it stop early with no validation images at all.
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"train\": 0.6, \"val\": 0.2", "\"train\": 0.8, \"val\": 0", StringComparison.Ordinal)
            .Replace(", \"train_on_val\": true", "", StringComparison.Ordinal));
        var (none, _, noneErr) = Cli("--config", config, "--out", Path.Combine(dir, "tov-none"), "--accelerator", "cpu", "--cache", Cache);
        Assert.Equal(2, none);
        Assert.Contains("data.split.val is 0", noneErr);
    }

    [Theory]
    [InlineData("{ \"name\": ", "invalid JSON")]
    [InlineData("{ \"name\": \"x\", \"epochz\": 3 }", "unknown field")]
    [InlineData("LAYER:{ \"type\": \"conv3d\", \"kernel\": 3 }", "unknown layer type 'conv3d'")]
    [InlineData("LAYER:{ \"type\": \"relu\", \"kernel\": 3 }", "has no field 'kernel'")]
    [InlineData("LAYER:{ \"type\": \"dropout\", \"p\": 1.5 }", "dropout needs p in [0, 1)")]
    [InlineData("LAYER:{ \"type\": \"conv2d\", \"out_channels\": 4, \"kernel\": 99 }", "does not fit")]
    [InlineData("LAYER:{ \"type\": \"linear\", \"out_features\": 7 }", "add a flatten layer before it")]
    [InlineData("LAYER:{ \"type\": \"maxpool2d\", \"kernel\": 3 }, { \"type\": \"flatten\" }, { \"type\": \"linear\", \"in_features\": 9, \"out_features\": 5 }", "expected input [9], got [196]")]
    [InlineData("DATA:does/not/exist", "data path not found")]
    [InlineData("BATCH:-4", "batch_size")]
    [InlineData("BATCH:16, \"label_smoothing\": 1.0", "label_smoothing must be at least 0 and below 1")]
    [InlineData("OPT:{ \"type\": \"rmsprop\" }", "use sgd, adam or adamw")]
    [InlineData("OPT:{ \"type\": \"adam\", \"momentum\": 0.9 }", "adam uses betas")]
    [InlineData("OPT:{ \"type\": \"adam\", \"betas\": [0.9] }", "optimizer.betas")]
    public void Config_errors_exit_non_zero_with_a_message_naming_the_problem(string config, string expected)
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "d"), perClass: 2, seed: 4);
        string path = Path.Combine(dir, "bad.json");
        if (config.StartsWith("LAYER:"))
            File.WriteAllText(path, File.ReadAllText(TinyData.Config(dir, data)).Replace("{ \"type\": \"relu\" },", config[6..] + ",", StringComparison.Ordinal));
        else if (config.StartsWith("DATA:"))
            TinyData.Write(path, File.ReadAllText(TinyData.Config(dir, config[5..])));
        else if (config.StartsWith("OPT:"))
            TinyData.Write(path, File.ReadAllText(TinyData.Config(dir, data)).Replace("{ \"type\": \"sgd\", \"lr\": 0.05, \"momentum\": 0.9 }", config[4..]));
        else if (config.StartsWith("BATCH:"))
            TinyData.Write(path, File.ReadAllText(TinyData.Config(dir, data)).Replace("\"batch_size\": 16", "\"batch_size\": " + config[6..]));
        else
            File.WriteAllText(path, config);
        var (code, _, err) = Cli("--config", path, "--out", Path.Combine(dir, "o"), "--accelerator", "cpu", "--cache", Cache);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.StartsWith("error: ", err);
        Assert.DoesNotContain("   at ", err); // no stack trace
    }

    [Fact]
    public void Schedules_warm_up_then_decay()
    {
        var step = new ScheduleConfig { Type = "step", StepSize = 2, Gamma = 0.5f, WarmupEpochs = 1 };
        Assert.Equal([0.5f, 1f, 1f, 0.5f, 0.5f, 0.25f], Enumerable.Range(0, 6).Select(e => step.Factor(e, 6)));
        var cosine = new ScheduleConfig { Type = "cosine", MinFactor = 0.1f };
        Assert.Equal(1f, cosine.Factor(0, 10));
        Assert.InRange(cosine.Factor(5, 10), 0.54f, 0.56f);
        Assert.InRange(cosine.Factor(9, 10), 0.1f, 0.13f);
        Assert.Equal(0.02f, new OptimizerConfig { Lr = 0.02f }.LearningRate(7, 10));
    }

    [Fact]
    public void Init_from_starts_from_exported_weights()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 10, seed: 6);
        var first = Path.Combine(dir, "first");
        Assert.Equal(0, Cli("--config", TinyData.Config(dir, data, epochs: 1), "--out", first, "--accelerator", "cpu", "--cache", Cache).Code);
        var source = Path.Combine(first, "model.safetensors");
        var config = TinyData.Write(Path.Combine(dir, "tune.json"), File.ReadAllText(TinyData.Config(dir, data, epochs: 0))
            .Replace("\"init\": \"he_normal\",", $"\"init\": \"he_normal\", \"init_from\": \"{source.Replace("\\", "/")}\","));
        var second = Path.Combine(dir, "second");
        var r = Cli("--config", config, "--out", second, "--accelerator", "cpu", "--cache", Cache);
        Assert.True(r.Code == 0, r.Err);
        var a = SafeTensors.Read(source).Tensors;
        var b = SafeTensors.Read(Path.Combine(second, "model.safetensors")).Tensors;
        foreach (var (name, t) in a) Assert.Equal(t.Data, b[name].Data);
    }

    [Fact]
    public void Missing_config_file_and_unknown_option_are_clear_errors()
    {
        var (code, _, err) = Cli("--config", Path.Combine(dir, "nope.json"));
        Assert.Equal(2, code);
        Assert.Contains("config file not found", err);
        (code, _, err) = Cli("--confg", "x");
        Assert.Equal(2, code);
        Assert.Contains("--confg", err);
        (code, _, err) = Cli("--config", "x.json", "--accelerator", "tpu");
        Assert.Equal(2, code);
    }

    [Fact]
    public void The_first_layer_skips_the_inputs_zeros_unless_the_config_says_the_input_is_dense()
    {
        var config = TrainerConfig.Load(Path.Combine(ExamplesTests.RepoRoot(), "configs", "model4.json"));
        Assert.True(config.Model.Build(20).SparseInput);
        // Not written when unset: the configs and checkpoints made before the option keep their hash.
        Assert.DoesNotContain("sparse_input", config.ToJson());
        var dense = TrainerConfig.Parse(config.ToJson().Replace("\"init\":", "\"sparse_input\": false, \"init\":"));
        Assert.False(dense.Model.Build(20).SparseInput);
        Assert.NotEqual(TrainingSession.ConfigHash(config), TrainingSession.ConfigHash(dense));
    }

    [Fact]
    public void A_resume_may_change_the_epochs_and_the_patience_and_nothing_else()
    {
        var config = TrainerConfig.Load(Path.Combine(ExamplesTests.RepoRoot(), "configs", "recognizer-ink-deep.json"));
        string hash = TrainingSession.ConfigHash(config);
        TrainerConfig Changed(Action<TrainerConfig> change)
        {
            var copy = TrainerConfig.Parse(config.ToJson());
            change(copy);
            return copy;
        }
        Assert.Equal(hash, TrainingSession.ConfigHash(Changed(c => c.Epochs = 40)));
        Assert.Equal(hash, TrainingSession.ConfigHash(Changed(c => c.EarlyStopping!.Patience = 40)));
        Assert.NotEqual(hash, TrainingSession.ConfigHash(Changed(c => c.EarlyStopping = null)));
        Assert.NotEqual(hash, TrainingSession.ConfigHash(Changed(c => c.BatchSize = 32)));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void Resume_after_a_crash_or_an_interrupt_ends_with_the_same_weights_as_an_uninterrupted_run(string optimizer)
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 20, seed: 5);
        var config = TrainerCli.LoadConfig(TinyData.Config(dir, data, epochs: 3), null, null, null);
        if (optimizer != "sgd")
        {
            // Adam's moments and its step count (bias correction) must survive the checkpoint too.
            config.Optimizer.Type = optimizer;
            config.Optimizer.Momentum = 0;
            config.Optimizer.Nesterov = false;
            config.Optimizer.Lr = 0.003f;
            config.Optimizer.WeightDecay = 0.01f;
            // Augmented batches, made ahead on the loader's worker: they too must not depend on when they were made.
            config.Data.Augment = new AugmentConfig { Probability = 0.8, RotateDegrees = 8, Shear = 0.2, Scale = 0.1, MaxThickness = 2 };
        }
        var dataset = Dataset.Load(config.Data.Paths, config.Data.Classes, Cache);
        var split = Splitter.Split(dataset, config.Data.Split, 0);
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        string Run(string name, Action<TrainingSession>? setup, bool resume, CancellationToken cancel = default)
        {
            var outDir = Path.Combine(dir, name);
            var s = new TrainingSession(config, dataset, split, device, outDir, _ => { });
            setup?.Invoke(s);
            s.Run(resume, cancel);
            return Path.Combine(outDir, "model.safetensors");
        }

        var straight = SafeTensors.Read(Run("straight", null, false)).Tensors;

        // Killed mid-epoch 2 (3 batches per epoch): nothing saved after the epoch-1 checkpoint.
        Run("crashed", s => s.CrashAfterBatches = 4, false);
        Assert.False(File.Exists(Path.Combine(dir, "crashed", "model.safetensors")));
        var resumed = SafeTensors.Read(Run("crashed", null, true)).Tensors;

        // Interrupted (Ctrl-C) mid-epoch: a mid-epoch checkpoint, then resume from that batch.
        using var cts = new CancellationTokenSource();
        Run("interrupted", s => s.OnBatch = (e, b, _, _, _, _) => { if (e == 1 && b == 1) cts.Cancel(); }, false, cts.Token);
        var interrupted = SafeTensors.Read(Run("interrupted", null, true)).Tensors;

        foreach (var (name, t) in straight)
        {
            Assert.Equal(t.Data, resumed[name].Data);
            Assert.Equal(t.Data, interrupted[name].Data);
        }
    }

    [Fact]
    public void Label_smoothing_keeps_the_training_loss_above_the_targets_entropy()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 20, seed: 5);
        var dataset = Dataset.Load(TrainerCli.LoadConfig(TinyData.Config(dir, data), null, null, null).Data.Paths, TinyData.Classes, Cache);
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        List<EpochMetrics> Train(string extra, string name)
        {
            var config = TrainerCli.LoadConfig(TinyData.Config(dir, data, epochs: 20, extra: extra), null, null, null);
            var split = Splitter.Split(dataset, config.Data.Split, 0);
            return new TrainingSession(config, dataset, split, device, Path.Combine(dir, name), _ => { }).Run(false, CancellationToken.None).History.ToList();
        }
        var plain = Train("", "plain");
        var smooth = Train(", \"label_smoothing\": 0.3", "smooth");
        // 30% of the target spread over three classes: q = (0.8, 0.1, 0.1), whose entropy 0.639 is the least the
        // smoothed loss can reach; the plain loss falls below it on the same data.
        double entropy = -(0.8 * Math.Log(0.8) + 0.2 * Math.Log(0.1));
        Assert.True(plain[^1].TrainLoss < entropy, $"plain train loss {plain[^1].TrainLoss}");
        Assert.All(smooth, h => Assert.True(h.TrainLoss > entropy, $"smoothed train loss {h.TrainLoss}"));
        Assert.True(smooth[^1].TrainLoss < smooth[0].TrainLoss - 0.3, "the smoothed loss did not fall");
        Assert.True(smooth[^1].TrainAccuracy > 0.9, $"train accuracy {smooth[^1].TrainAccuracy}");
    }

    [Fact]
    public void Early_stopping_ends_the_run_and_keeps_the_best_epochs_weights()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 20, seed: 5);
        var config = TrainerCli.LoadConfig(TinyData.Config(dir, data, epochs: 40, extra: ", \"early_stopping\": { \"patience\": 2 }, \"class_weights\": \"balanced\""), null, null, null);
        var dataset = Dataset.Load(config.Data.Paths, config.Data.Classes, Cache);
        var split = Splitter.Split(dataset, config.Data.Split, 0);
        using var device = ComputeDevice.Create(AcceleratorChoice.Cpu);
        var outDir = Path.Combine(dir, "early");
        var lines = new List<string>();
        var result = new TrainingSession(config, dataset, split, device, outDir, lines.Add).Run(false, CancellationToken.None);

        // Three easy classes reach their best validation accuracy early; two epochs without a better one end the run.
        Assert.InRange(result.History.Count, 3, 39);
        int bestEpoch = result.History.Select((h, i) => (h.ValAccuracy, Epoch: i + 1)).OrderByDescending(x => x.ValAccuracy).ThenBy(x => x.Epoch).First().Epoch;
        Assert.Equal(bestEpoch + 2, result.History.Count);
        Assert.Contains(lines, l => l.StartsWith("early stopping"));
        // The exported weights are the best epoch's, kept in the checkpoint beside the last epoch's.
        var exported = SafeTensors.Read(Path.Combine(outDir, "model.safetensors")).Tensors;
        var checkpoint = SafeTensors.Read(Path.Combine(outDir, Checkpoint.FileName)).Tensors;
        foreach (var (name, t) in exported)
            Assert.Equal(checkpoint["best." + name].Data, t.Data);
    }

    [Fact]
    public void Balanced_class_weights_make_every_class_count_alike_and_sqrt_weights_halfway()
    {
        var data = TinyData.WriteFolder(Path.Combine(dir, "data"), perClass: 10, seed: 6);
        var dataset = Dataset.Load([data], ["bar", "cross", "ring"], Cache);
        // 10 bars, 10 crosses and 5 rings in a training split of 25.
        var train = Enumerable.Range(0, dataset.Count).Where(i => dataset.Labels[i] != 2 || i % 2 == 0).ToArray();
        var counts = dataset.CountPerClass(train);
        var w = TrainingSession.BalancedWeights(dataset, train, 3);
        for (int c = 0; c < 3; c++) Assert.Equal(train.Length / 3.0, w[c] * counts[c], 3);

        // The milder square-root weights: a class with half the images weighs sqrt(2) times as much, and the training
        // images' average weight is 1.
        var s = TrainingSession.SqrtWeights(dataset, train);
        Assert.Equal(Math.Sqrt((double)counts[0] / counts[2]), s[2] / s[0], 4);
        Assert.Equal(1.0, Enumerable.Range(0, 3).Sum(c => s[c] * counts[c]) / train.Length, 4);
    }
}
