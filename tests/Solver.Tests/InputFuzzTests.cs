using System.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using Solver.Inference.Algebra;
using Solver.Inference.Rendering;
using Solver.Trainer;
using Xunit.Abstractions;

namespace Solver.Tests;

/// <summary>
/// Every image a phone, a browser or an attacker can hand us, and a seeded fuzz run over the decoder path and the
/// parser: each case ends in a decoded image, a result, or one of our own clear errors; never another exception.
/// docs/reliability.md lists the cases and what each returns.
/// </summary>
public sealed class InputFuzzTests(ITestOutputHelper output)
{
    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static Image<L8> Equation() => StrokeRenderer.Render("2x+3=7", new RenderStyle(Height: 24, Margin: 6), 1);

    private static string Rejection(byte[] bytes) =>
        Assert.Throws<ImageRejectedException>(() => SafeImageLoader.LoadGray(bytes, "upload").Dispose()).Message;

    [Fact]
    public void Empty_truncated_and_foreign_formats_are_refused_with_a_reason()
    {
        using var eq = Equation();
        var png = Encode(eq, new PngEncoder());
        Assert.Contains("empty", Rejection([]));
        Assert.Contains("upload:", Rejection(png[..(png.Length / 2)]));
        Assert.Contains("PNG, JPEG, BMP", Rejection([.. "GIF89a"u8, 1, 0, 1, 0, 0, 0, 0, 0x3B]));
        Assert.Contains("PNG, JPEG, BMP", Rejection([(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0])); // TIFF
        Assert.Contains("PNG, JPEG, BMP", Rejection([.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8 "u8]));
        Assert.Contains("PNG, JPEG, BMP", Rejection("<svg xmlns='http://www.w3.org/2000/svg'/>"u8.ToArray()));
    }

    [Fact]
    public void Headers_claiming_huge_images_are_refused_before_decoding()
    {
        // A BMP header of 60000 x 60000 pixels (10 GB decoded) with almost no pixel data behind it.
        var bmp = new byte[54 + 4096]; // a little pixel data, nowhere near 30 GB
        "BM"u8.CopyTo(bmp);
        BitConverter.TryWriteBytes(bmp.AsSpan(10), 54);
        BitConverter.TryWriteBytes(bmp.AsSpan(14), 40);
        BitConverter.TryWriteBytes(bmp.AsSpan(18), 60_000);
        BitConverter.TryWriteBytes(bmp.AsSpan(22), 60_000);
        BitConverter.TryWriteBytes(bmp.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(bmp.AsSpan(28), (short)24);
        var sw = Stopwatch.StartNew();
        Assert.Contains("larger than the limit", Rejection(bmp));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), "refused from the header, not by decoding");
    }

    [Fact]
    public void Wrong_extension_16_bit_cmyk_and_exif_rotated_images_decode_correctly()
    {
        using var eq = Equation();
        // The content decides the format, not the name: a PNG called photo.jpg is read as the PNG it is.
        using (var named = SafeImageLoader.LoadGray(Encode(eq, new PngEncoder()), "photo.jpg"))
            Assert.Equal((eq.Width, eq.Height), (named.Width, named.Height));

        // 16 bits a channel: same picture.
        using var deep = eq.CloneAs<Rgb48>();
        using (var loaded = SafeImageLoader.LoadGray(Encode(deep, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb }), "deep.png"))
        {
            Assert.Equal((eq.Width, eq.Height), (loaded.Width, loaded.Height));
            for (int y = 0; y < eq.Height; y += 3)
            for (int x = 0; x < eq.Width; x += 3)
                Assert.InRange(loaded[x, y].PackedValue - eq[x, y].PackedValue, -1, 1);
        }

        // A 1x1 image decodes (and the solver then says it found no writing: SolveCliTests).
        using (var dot = new Image<L8>(1, 1, new L8(255)))
        using (var one = SafeImageLoader.LoadGray(Encode(dot, new BmpEncoder()), "dot.bmp"))
            Assert.Equal(1, one.Width * one.Height);

        // EXIF orientation 6 (the phone was held turned): the loader turns it upright, so width and height swap.
        using var photo = eq.CloneAs<Rgb24>();
        photo.Metadata.ExifProfile = new ExifProfile();
        photo.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        using (var upright = SafeImageLoader.LoadGray(Encode(photo, new JpegEncoder { Quality = 95 }), "turned.jpg"))
            Assert.Equal((eq.Height, eq.Width), (upright.Width, upright.Height));
    }

    [Fact]
    public void Cmyk_jpeg_decodes_to_the_same_picture()
    {
        // An 8x8 CMYK JPEG (4 components in its SOF), written by hand below: black left half, white right half.
        var cmyk = CmykJpeg.Make();
        Assert.Equal(4, CmykJpeg.Components(cmyk));
        using var image = SafeImageLoader.LoadGray(cmyk, "cmyk.jpg");
        Assert.Equal((16, 8), (image.Width, image.Height));
        Assert.True(image[2, 4].PackedValue < 60, $"left half is dark, got {image[2, 4].PackedValue}");
        Assert.True(image[13, 4].PackedValue > 200, $"right half is light, got {image[13, 4].PackedValue}");
    }

    [Fact]
    public void Transparent_pixels_are_paper()
    {
        using var clear = new Image<Rgba32>(4, 4, new Rgba32(0, 0, 0, 0)); // transparent black
        clear[1, 1] = new Rgba32(0, 0, 0, 255);                             // one opaque black pixel
        using var gray = SafeImageLoader.LoadGray(Encode(clear, new PngEncoder()), "clear.png");
        Assert.Equal(255, gray[0, 0].PackedValue);
        Assert.Equal(0, gray[1, 1].PackedValue);
    }

    [Theory]
    [InlineData("x^65=1", "is too large")]
    [InlineData("2^x=4", "contains the unknown")]
    [InlineData("x^(1/2)=2", "not a whole number")]
    public void Exponents_the_solver_cannot_take_are_named(string text, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => EquationSolver.Solve(text));
        Assert.True(e is AlgebraException or ParseException, e.GetType().Name);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Decoder_fuzz_ends_in_an_image_or_a_clear_refusal()
    {
        using var eq = Equation();
        using var rgb = eq.CloneAs<Rgb24>();
        byte[][] seeds = [Encode(eq, new PngEncoder()), Encode(rgb, new JpegEncoder { Quality = 80 }), Encode(eq, new BmpEncoder()), CmykJpeg.Make()];
        var rng = new Random(20261125);
        int decoded = 0, refused = 0;
        const int cases = 800;
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < cases; i++)
        {
            var bytes = Mutate(seeds[i % seeds.Length], rng);
            var sw = Stopwatch.StartNew();
            try
            {
                using var image = SafeImageLoader.LoadGray(bytes, "fuzz", maxPixels: 4_000_000);
                decoded++;
            }
            catch (ImageRejectedException)
            {
                refused++;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"case {i}: {e.GetType().Name} escaped the loader: {e.Message}");
            }
            if (sw.Elapsed > slowest) slowest = sw.Elapsed;
        }
        output.WriteLine($"decoder fuzz: {cases} cases, {decoded} decoded, {refused} refused, slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.Equal(cases, decoded + refused);
        Assert.True(refused > 0 && decoded > 0, "the mutations reach both outcomes");
        Assert.True(slowest < TimeSpan.FromSeconds(10), $"a case took {slowest}");
    }

    [Fact]
    public void Parser_and_solver_fuzz_end_in_a_result_or_a_clear_error()
    {
        const string alphabet = "0123456789xyz+-*/^()=.  ";
        string[] words = ["sin", "cos", "tan", "sqrt", "x^2", "99999999", "^64", "^-64", "(", ")", "/0", "0/0"];
        var rng = new Random(7);
        int solved = 0, refused = 0;
        const int cases = 3000;
        for (int i = 0; i < cases; i++)
        {
            var text = new System.Text.StringBuilder();
            int length = rng.Next(0, 24);
            for (int k = 0; k < length; k++)
                text.Append(rng.Next(6) == 0 ? words[rng.Next(words.Length)] : alphabet[rng.Next(alphabet.Length)].ToString());
            var sw = Stopwatch.StartNew();
            try
            {
                EquationSolver.Solve(text.ToString());
                solved++;
            }
            catch (Exception e) when (e is ParseException or AlgebraException)
            {
                refused++;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"'{text}': {e.GetType().Name} escaped: {e.Message}");
            }
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"'{text}' took {sw.Elapsed}");
        }
        output.WriteLine($"parser fuzz: {cases} cases, {solved} solved or evaluated, {refused} refused with a message");
        Assert.True(solved > 50 && refused > 50);
    }

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = new List<byte>(seed);
        int edits = rng.Next(1, 9);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = (byte)(rng.Next(2) == 0 ? 0 : 255); break;
                case 2: b.RemoveRange(at, b.Count - at); break; // truncate
                case 3: b.InsertRange(at, Enumerable.Range(0, rng.Next(1, 32)).Select(_ => (byte)rng.Next(256))); break;
                case 4: // a header field (width, height, lengths) set to something large
                    int h = rng.Next(Math.Min(b.Count, 64));
                    b[h] = 0xFF; if (h + 1 < b.Count) b[h + 1] = 0x7F;
                    break;
                default: b.RemoveRange(at, Math.Min(b.Count - at, rng.Next(1, 64))); break;
            }
        }
        return [.. b];
    }
}

/// <summary>
/// A 16x8 CMYK JPEG written by hand (ImageSharp 2.1 cannot encode CMYK): Adobe APP14 with transform 0, four components
/// stored inverted as Adobe does (255 = no ink), flat 8x8 blocks so that only DC coefficients are coded. Left block
/// full black ink (K), right block no ink.
/// </summary>
internal static class CmykJpeg
{
    public static byte[] Make()
    {
        var o = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, byte[] body)
        {
            o.AddRange([0xFF, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2)]);
            o.AddRange(body);
        }
        Segment(0xEE, [.. "Adobe"u8, 0, 100, 0, 0, 0, 0, 0]);                      // APP14, transform 0: CMYK as stored
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);                     // quantisation table 0: all ones
        Segment(0xC0, [8, 0, 8, 0, 16, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]); // baseline, 16x8, 4 components
        Segment(0xC4, [0x00, 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // standard DC table
        Segment(0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]); // AC table holding only end-of-block, code '0'
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        (int Code, int Length)[] dc = [(0b00, 2), (0b010, 3), (0b011, 3), (0b100, 3), (0b101, 3), (0b110, 3), (0b1110, 4),
            (0b11110, 5), (0b111110, 6), (0b1111110, 7), (0b11111110, 8), (0b111111110, 9)];
        var bits = new List<bool>();
        void Put(int value, int length) { for (int b = length - 1; b >= 0; b--) bits.Add((value >> b & 1) == 1); }
        int[] predictor = new int[4];
        byte[][] blocks = [[255, 255, 255, 0], [255, 255, 255, 255]]; // per MCU: C, M, Y, K (inverted)
        foreach (var mcu in blocks)
            for (int c = 0; c < 4; c++)
            {
                int coefficient = 8 * (mcu[c] - 128); // the DC of a flat block with unit quantisation
                int diff = coefficient - predictor[c];
                predictor[c] = coefficient;
                int size = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                Put(dc[size].Code, dc[size].Length);
                if (size > 0) Put(diff >= 0 ? diff : diff + (1 << size) - 1, size);
                Put(0, 1); // end of block: no AC coefficients
            }
        while (bits.Count % 8 != 0) bits.Add(true);
        for (int i = 0; i < bits.Count; i += 8)
        {
            byte v = 0;
            for (int b = 0; b < 8; b++) v = (byte)(v << 1 | (bits[i + b] ? 1 : 0));
            o.Add(v);
            if (v == 0xFF) o.Add(0x00); // byte stuffing
        }
        o.AddRange([0xFF, 0xD9]);
        return [.. o];
    }

    public static int Components(byte[] jpeg)
    {
        for (int i = 2; i + 9 < jpeg.Length;)
        {
            if (jpeg[i] != 0xFF) return -1;
            byte marker = jpeg[i + 1];
            int length = jpeg[i + 2] << 8 | jpeg[i + 3];
            if (marker is 0xC0 or 0xC1 or 0xC2) return jpeg[i + 9];
            i += 2 + length;
        }
        return -1;
    }
}
