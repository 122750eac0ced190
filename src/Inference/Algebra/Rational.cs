using System.Numerics;

namespace Solver.Inference.Algebra;

/// <summary>An exact rational number on BigInteger, always reduced, denominator positive.</summary>
public readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    public BigInteger Num { get; }
    public BigInteger Den { get; }

    public Rational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException("division by zero");
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        Num = num;
        Den = num.IsZero ? BigInteger.One : den;
    }

    public Rational(BigInteger integer) : this(integer, BigInteger.One) { }

    public static readonly Rational Zero = new(0);
    public static readonly Rational One = new(1);

    public bool IsZero => Num.IsZero;
    public bool IsInteger => Den.IsOne;
    public int Sign => Num.Sign;

    public static implicit operator Rational(int v) => new(v);
    public static implicit operator Rational(BigInteger v) => new(v);

    public static Rational operator +(Rational a, Rational b) => new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static Rational operator -(Rational a, Rational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);
    public static Rational operator -(Rational a) => new(-a.Num, a.Den);
    public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den);
    public static Rational operator /(Rational a, Rational b)
    {
        if (b.IsZero) throw new DivideByZeroException("division by zero");
        return new(a.Num * b.Den, a.Den * b.Num);
    }

    public static bool operator ==(Rational a, Rational b) => a.Equals(b);
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);
    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;
    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;

    public Rational Abs() => new(BigInteger.Abs(Num), Den);

    /// <summary>Integer powers, negative ones too (0^negative is a division by zero).</summary>
    public Rational Pow(int exponent)
    {
        if (exponent >= 0) return new(BigInteger.Pow(Num, exponent), BigInteger.Pow(Den, exponent));
        if (IsZero) throw new DivideByZeroException("zero to a negative power");
        return new(BigInteger.Pow(Den, -exponent), BigInteger.Pow(Num, -exponent));
    }

    /// <summary>Parses "12", "-3/4" or a decimal such as "2.5" exactly.</summary>
    public static Rational Parse(string s)
    {
        s = s.Trim();
        int slash = s.IndexOf('/');
        if (slash > 0) return Parse(s[..slash]) / Parse(s[(slash + 1)..]);
        int dot = s.IndexOf('.');
        if (dot < 0) return new(BigInteger.Parse(s, System.Globalization.CultureInfo.InvariantCulture));
        var digits = s.Remove(dot, 1);
        if (digits is "" or "-" or "+") digits += "0";
        return new(BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), BigInteger.Pow(10, s.Length - dot - 1));
    }

    public double ToDouble()
    {
        // Scale so that huge numerators and denominators still give a finite quotient.
        var n = Num; var d = Den;
        int shift = Math.Max(0, (int)Math.Max(n.GetBitLength(), d.GetBitLength()) - 1000);
        if (shift > 0) { n >>= shift; d >>= shift; if (d.IsZero) return n.Sign * double.PositiveInfinity; }
        return (double)n / (double)d;
    }

    public bool Equals(Rational other) => Num == other.Num && Den == other.Den;
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(Num, Den);
    public int CompareTo(Rational other) => (Num * other.Den).CompareTo(other.Num * Den);

    public override string ToString() => Den.IsOne ? Num.ToString() : $"{Num}/{Den}";
}
