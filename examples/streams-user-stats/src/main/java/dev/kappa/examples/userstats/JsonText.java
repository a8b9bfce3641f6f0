package dev.kappa.examples.userstats;

import java.nio.charset.StandardCharsets;

/**
 * JSON text exactly as the reference processor writes it (kappa-processor's core/json_writer.cpp,
 * which writes what nlohmann::json's dump() writes): compact, non-ASCII kept as it is, control
 * characters escaped, and doubles in nlohmann's Grisu2 form ("1.0" stays "1.0", "1e-05",
 * "1.5e+16"; non-finite values are null). Java's own Double.toString differs ("1.0E-5", and on
 * JDK 17 it is not always the shortest form), so the Grisu2 code of nlohmann's to_chars.hpp is
 * ported here, step for step, so that rows of the two processors compare equal byte for byte.
 */
final class JsonText {
  private JsonText() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Appends {@code text} as a JSON string, quotes included. */
  static StringBuilder appendString(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      final char c = text.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"');
  }

  static String string(String text) {
    return appendString(new StringBuilder(text.length() + 2), text).toString();
  }

  /** The bytes {@code appendString} writes for {@code text} in UTF-8, quotes included. */
  static long stringSize(String text) {
    long size = text.getBytes(StandardCharsets.UTF_8).length + 2L;
    for (int i = 0; i < text.length(); i++) {
      final char c = text.charAt(i);
      if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
        size += 1;
      } else if (c < 0x20) {
        size += 5;
      }
    }
    return size;
  }

  /** A double as nlohmann::json::dump() writes it; null when not finite. */
  static String number(double value) {
    if (!Double.isFinite(value)) return "null";
    final StringBuilder out = new StringBuilder(26);
    if ((Double.doubleToRawLongBits(value) & Long.MIN_VALUE) != 0) { // signbit, -0.0 included
      value = -value;
      out.append('-');
    }
    if (value == 0) return out.append("0.0").toString();
    final char[] buffer = new char[32];
    final int[] lengthAndExponent = new int[2];
    Grisu2.grisu2(buffer, lengthAndExponent, value);
    return out.append(formatBuffer(buffer, lengthAndExponent[0], lengthAndExponent[1], -4, 15)).toString();
  }

  /** nlohmann's dtoa_impl::format_buffer: digits * 10^exponent laid out like printf's %g. */
  private static String formatBuffer(char[] buf, int len, int decimalExponent, int minExp, int maxExp) {
    final int k = len;
    final int n = len + decimalExponent;
    final String digits = new String(buf, 0, k);
    if (k <= n && n <= maxExp) { // digits[000].0
      return digits + "0".repeat(n - k) + ".0";
    }
    if (0 < n && n <= maxExp) { // dig.its
      return digits.substring(0, n) + "." + digits.substring(n);
    }
    if (minExp < n && n <= 0) { // 0.[000]digits
      return "0." + "0".repeat(-n) + digits;
    }
    final StringBuilder out = new StringBuilder();
    if (k == 1) {
      out.append(digits); // dE+123
    } else {
      out.append(digits.charAt(0)).append('.').append(digits, 1, k); // d.igitsE+123
    }
    out.append('e');
    int e = n - 1;
    if (e < 0) {
      e = -e;
      out.append('-');
    } else {
      out.append('+');
    }
    if (e < 10) {
      out.append('0').append((char) ('0' + e)); // at least two digits, as printf's %g
    } else {
      out.append(e);
    }
    return out.toString();
  }

  /**
   * nlohmann's dtoa_impl (Grisu2, Florian Loitsch; the variant of Alexander Bolz's Drachennest
   * that nlohmann::json ships). Unsigned 64-bit arithmetic: Java's long wraps as uint64_t does;
   * shifts are unsigned and comparisons use Long.compareUnsigned.
   */
  static final class Grisu2 {
    private Grisu2() {}

    private static final int ALPHA = -60;

    /** A diyfp: f * 2^e. */
    private record Fp(long f, int e) {
      static Fp sub(Fp x, Fp y) {
        return new Fp(x.f - y.f, x.e);
      }

      static Fp mul(Fp x, Fp y) {
        final long uLo = x.f & 0xFFFFFFFFL;
        final long uHi = x.f >>> 32;
        final long vLo = y.f & 0xFFFFFFFFL;
        final long vHi = y.f >>> 32;
        final long p0 = uLo * vLo;
        final long p1 = uLo * vHi;
        final long p2 = uHi * vLo;
        final long p3 = uHi * vHi;
        final long p0Hi = p0 >>> 32;
        final long p1Lo = p1 & 0xFFFFFFFFL;
        final long p1Hi = p1 >>> 32;
        final long p2Lo = p2 & 0xFFFFFFFFL;
        final long p2Hi = p2 >>> 32;
        long q = p0Hi + p1Lo + p2Lo;
        q += 1L << (64 - 32 - 1); // round, ties up
        final long h = p3 + p2Hi + p1Hi + (q >>> 32);
        return new Fp(h, x.e + y.e + 64);
      }

      static Fp normalize(Fp x) {
        long f = x.f;
        int e = x.e;
        while ((f >>> 63) == 0) {
          f <<= 1;
          e--;
        }
        return new Fp(f, e);
      }

      static Fp normalizeTo(Fp x, int targetExponent) {
        final int delta = x.e - targetExponent;
        return new Fp(x.f << delta, targetExponent);
      }
    }

    // {f, e, k}: c = f * 2^e ~= 10^k, for k = -300, -292, ..., 324.
    private static final long[] CACHED_F = {
      0xAB70FE17C79AC6CAL, 0xFF77B1FCBEBCDC4FL, 0xBE5691EF416BD60CL, 0x8DD01FAD907FFC3CL,
      0xD3515C2831559A83L, 0x9D71AC8FADA6C9B5L, 0xEA9C227723EE8BCBL, 0xAECC49914078536DL,
      0x823C12795DB6CE57L, 0xC21094364DFB5637L, 0x9096EA6F3848984FL, 0xD77485CB25823AC7L,
      0xA086CFCD97BF97F4L, 0xEF340A98172AACE5L, 0xB23867FB2A35B28EL, 0x84C8D4DFD2C63F3BL,
      0xC5DD44271AD3CDBAL, 0x936B9FCEBB25C996L, 0xDBAC6C247D62A584L, 0xA3AB66580D5FDAF6L,
      0xF3E2F893DEC3F126L, 0xB5B5ADA8AAFF80B8L, 0x87625F056C7C4A8BL, 0xC9BCFF6034C13053L,
      0x964E858C91BA2655L, 0xDFF9772470297EBDL, 0xA6DFBD9FB8E5B88FL, 0xF8A95FCF88747D94L,
      0xB94470938FA89BCFL, 0x8A08F0F8BF0F156BL, 0xCDB02555653131B6L, 0x993FE2C6D07B7FACL,
      0xE45C10C42A2B3B06L, 0xAA242499697392D3L, 0xFD87B5F28300CA0EL, 0xBCE5086492111AEBL,
      0x8CBCCC096F5088CCL, 0xD1B71758E219652CL, 0x9C40000000000000L, 0xE8D4A51000000000L,
      0xAD78EBC5AC620000L, 0x813F3978F8940984L, 0xC097CE7BC90715B3L, 0x8F7E32CE7BEA5C70L,
      0xD5D238A4ABE98068L, 0x9F4F2726179A2245L, 0xED63A231D4C4FB27L, 0xB0DE65388CC8ADA8L,
      0x83C7088E1AAB65DBL, 0xC45D1DF942711D9AL, 0x924D692CA61BE758L, 0xDA01EE641A708DEAL,
      0xA26DA3999AEF774AL, 0xF209787BB47D6B85L, 0xB454E4A179DD1877L, 0x865B86925B9BC5C2L,
      0xC83553C5C8965D3DL, 0x952AB45CFA97A0B3L, 0xDE469FBD99A05FE3L, 0xA59BC234DB398C25L,
      0xF6C69A72A3989F5CL, 0xB7DCBF5354E9BECEL, 0x88FCF317F22241E2L, 0xCC20CE9BD35C78A5L,
      0x98165AF37B2153DFL, 0xE2A0B5DC971F303AL, 0xA8D9D1535CE3B396L, 0xFB9B7CD9A4A7443CL,
      0xBB764C4CA7A44410L, 0x8BAB8EEFB6409C1AL, 0xD01FEF10A657842CL, 0x9B10A4E5E9913129L,
      0xE7109BFBA19C0C9DL, 0xAC2820D9623BF429L, 0x80444B5E7AA7CF85L, 0xBF21E44003ACDD2DL,
      0x8E679C2F5E44FF8FL, 0xD433179D9C8CB841L, 0x9E19DB92B4E31BA9L,
    };
    private static final int[] CACHED_E = {
      -1060, -1034, -1007, -980, -954, -927, -901, -874, -847, -821, -794, -768, -741, -715,
      -688, -661, -635, -608, -582, -555, -529, -502, -475, -449, -422, -396, -369, -343, -316,
      -289, -263, -236, -210, -183, -157, -130, -103, -77, -50, -24, 3, 30, 56, 83, 109, 136, 162,
      189, 216, 242, 269, 295, 322, 348, 375, 402, 428, 455, 481, 508, 534, 561, 588, 614, 641,
      667, 694, 720, 747, 774, 800, 827, 853, 880, 907, 933, 960, 986, 1013,
    };

    /** Fills buf with the digits; lengthAndExponent = {len, decimal_exponent}. value > 0, finite. */
    static void grisu2(char[] buf, int[] lengthAndExponent, double value) {
      // compute_boundaries<double>
      final int precision = 53;
      final int bias = 1023 + (precision - 1);
      final int minExp = 1 - bias;
      final long hiddenBit = 1L << (precision - 1);
      final long bits = Double.doubleToRawLongBits(value);
      final long biasedE = bits >>> (precision - 1);
      final long fraction = bits & (hiddenBit - 1);
      final boolean denormal = biasedE == 0;
      final Fp v = denormal ? new Fp(fraction, minExp) : new Fp(fraction + hiddenBit, (int) biasedE - bias);
      final boolean lowerBoundaryIsCloser = fraction == 0 && biasedE > 1;
      final Fp mPlus = new Fp(2 * v.f + 1, v.e - 1);
      final Fp mMinus = lowerBoundaryIsCloser ? new Fp(4 * v.f - 1, v.e - 2) : new Fp(2 * v.f - 1, v.e - 1);
      final Fp wPlus = Fp.normalize(mPlus);
      final Fp wMinus = Fp.normalizeTo(mMinus, wPlus.e);
      final Fp w = Fp.normalize(v);

      // grisu2(buf, len, decimal_exponent, m_minus, v, m_plus)
      final int f = ALPHA - wPlus.e - 1;
      final int k = (f * 78913) / (1 << 18) + (f > 0 ? 1 : 0);
      final int index = (300 + k + (8 - 1)) / 8;
      final Fp cMinusK = new Fp(CACHED_F[index], CACHED_E[index]);
      final int cachedK = -300 + 8 * index;
      final Fp ww = Fp.mul(w, cMinusK);
      final Fp wwMinus = Fp.mul(wMinus, cMinusK);
      final Fp wwPlus = Fp.mul(wPlus, cMinusK);
      final Fp bigMinus = new Fp(wwMinus.f + 1, wwMinus.e);
      final Fp bigPlus = new Fp(wwPlus.f - 1, wwPlus.e);
      lengthAndExponent[0] = 0;
      lengthAndExponent[1] = -cachedK;
      digitGen(buf, lengthAndExponent, bigMinus, ww, bigPlus);
    }

    private static boolean ult(long a, long b) {
      return Long.compareUnsigned(a, b) < 0;
    }

    private static boolean ule(long a, long b) {
      return Long.compareUnsigned(a, b) <= 0;
    }

    private static void round(char[] buf, int len, long dist, long delta, long rest, long tenK) {
      while (ult(rest, dist)
          && !ult(delta - rest, tenK)
          && (ult(rest + tenK, dist) || Long.compareUnsigned(dist - rest, rest + tenK - dist) > 0)) {
        buf[len - 1]--;
        rest += tenK;
      }
    }

    private static void digitGen(char[] buffer, int[] lengthAndExponent, Fp mMinus, Fp w, Fp mPlus) {
      long delta = Fp.sub(mPlus, mMinus).f;
      long dist = Fp.sub(mPlus, w).f;
      final int shift = -mPlus.e; // 32..60
      final long oneF = 1L << shift;
      long p1 = mPlus.f >>> shift; // fits 32 bits
      long p2 = mPlus.f & (oneF - 1);
      int length = lengthAndExponent[0];
      int decimalExponent = lengthAndExponent[1];

      long pow10;
      int kk;
      if (p1 >= 1000000000L) { pow10 = 1000000000L; kk = 10; }
      else if (p1 >= 100000000L) { pow10 = 100000000L; kk = 9; }
      else if (p1 >= 10000000L) { pow10 = 10000000L; kk = 8; }
      else if (p1 >= 1000000L) { pow10 = 1000000L; kk = 7; }
      else if (p1 >= 100000L) { pow10 = 100000L; kk = 6; }
      else if (p1 >= 10000L) { pow10 = 10000L; kk = 5; }
      else if (p1 >= 1000L) { pow10 = 1000L; kk = 4; }
      else if (p1 >= 100L) { pow10 = 100L; kk = 3; }
      else if (p1 >= 10L) { pow10 = 10L; kk = 2; }
      else { pow10 = 1L; kk = 1; }

      int n = kk;
      while (n > 0) {
        final long d = p1 / pow10;
        final long r = p1 % pow10;
        buffer[length++] = (char) ('0' + d);
        p1 = r;
        n--;
        final long rest = (p1 << shift) + p2;
        if (ule(rest, delta)) {
          decimalExponent += n;
          final long tenN = pow10 << shift;
          round(buffer, length, dist, delta, rest, tenN);
          lengthAndExponent[0] = length;
          lengthAndExponent[1] = decimalExponent;
          return;
        }
        pow10 /= 10;
      }

      int m = 0;
      for (;;) {
        p2 *= 10;
        final long d = p2 >>> shift;
        final long r = p2 & (oneF - 1);
        buffer[length++] = (char) ('0' + d);
        p2 = r;
        m++;
        delta *= 10;
        dist *= 10;
        if (ule(p2, delta)) break;
      }
      decimalExponent -= m;
      round(buffer, length, dist, delta, p2, oneF);
      lengthAndExponent[0] = length;
      lengthAndExponent[1] = decimalExponent;
    }
  }
}
