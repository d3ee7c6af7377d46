import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { Rfb320Detector } from "../src/vision/detectors/rfb320.ts";
import { ScrfdDetector } from "../src/vision/detectors/scrfd.ts";
import { YuNetDetector } from "../src/vision/detectors/yunet.ts";
import type { Detection, FaceDetector, RgbImage } from "../src/vision/types.ts";

const DATA = resolve("../shared/data");
const SHARED_MODELS = resolve("../shared/models");
const MODELS = resolve("models");

/** LFW development photos checked by eye to show one person and no other face, not even a partial one. */
const SINGLE = [
  "AJ_Cook/AJ_Cook_0001.jpg",
  "Abbas_Kiarostami/Abbas_Kiarostami_0001.jpg",
  "Abel_Aguilar/Abel_Aguilar_0001.jpg",
  "Adriana_Lima/Adriana_Lima_0001.jpg",
  "Ain_Seppik/Ain_Seppik_0001.jpg",
  "Al_Cardenas/Al_Cardenas_0001.jpg",
  "Alan_Stonecipher/Alan_Stonecipher_0001.jpg",
  "Alex_Popov/Alex_Popov_0001.jpg",
  "Alexandra_Pelosi/Alexandra_Pelosi_0001.jpg",
  "Alfredo_di_Stefano/Alfredo_di_Stefano_0001.jpg",
  "Almeida_Baptista/Almeida_Baptista_0001.jpg",
  "Ambrose_Lee/Ambrose_Lee_0001.jpg",
  "Anatoliy_Kinakh/Anatoliy_Kinakh_0001.jpg",
  "Andrea_Kiser/Andrea_Kiser_0001.jpg",
  "Andrew_Bernard/Andrew_Bernard_0001.jpg",
  "Andy_Wisecarver/Andy_Wisecarver_0001.jpg",
  "Ann_Morgan/Ann_Morgan_0001.jpg",
  "Anthony_Garotinho/Anthony_Garotinho_0001.jpg",
  "Anthony_Scott_Miller/Anthony_Scott_Miller_0001.jpg",
  "Barbara_Bach/Barbara_Bach_0001.jpg",
].map((p) => `${DATA}/lfw-dev/images/${p}`);
const COUPLE = `${DATA}/deepface/couple.jpg`;
/** 4352×2903: boxes must come back in these pixels, not the network's 640. */
const LARGE = `${DATA}/deepface/Scarlett/img49.jpg`;

async function load(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

async function crop(img: RgbImage, x: number, y: number, w: number, h: number): Promise<RgbImage> {
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left: x, top: y, width: w, height: h })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), width: w, height: h };
}

/** Eyes above nose above mouth, image-left eye left of image-right eye, all points within the box (10 % slack). */
function assertSaneGeometry(d: Detection, where: string): void {
  const [le, re, nose, lm, rm] = d.landmarks;
  const [x, y, w, h] = d.box;
  assert.ok(le[0] < re[0], `${where}: left eye left of right eye`);
  assert.ok(lm[0] < rm[0], `${where}: left mouth corner left of right one`);
  assert.ok(Math.max(le[1], re[1]) < nose[1], `${where}: eyes above nose`);
  assert.ok(nose[1] < Math.min(lm[1], rm[1]), `${where}: nose above mouth`);
  for (const [px, py] of d.landmarks) {
    assert.ok(px >= x - 0.1 * w && px <= x + 1.1 * w, `${where}: point x ${px} inside box ${d.box}`);
    assert.ok(py >= y - 0.1 * h && py <= y + 1.1 * h, `${where}: point y ${py} inside box ${d.box}`);
  }
  assert.ok(d.score >= 0 && d.score <= 1, `${where}: score in 0..1`);
}

function interOcular(d: Detection): number {
  return Math.hypot(d.landmarks[1][0] - d.landmarks[0][0], d.landmarks[1][1] - d.landmarks[0][1]);
}

const dataMissing =
  !existsSync(COUPLE) && "../shared/data is absent (fresh checkout): real-photo detector tests skipped";

interface Case {
  name: string;
  missing: string | false;
  make: () => Promise<FaceDetector>;
}

const CASES: Case[] = [
  {
    name: "YuNet",
    missing:
      !existsSync(`${SHARED_MODELS}/yunet_s_dynamic.onnx`) &&
      "../shared/models/yunet_s_dynamic.onnx is absent",
    make: () => YuNetDetector.create(`${SHARED_MODELS}/yunet_s_dynamic.onnx`),
  },
  {
    name: "SCRFD",
    missing:
      !existsSync(`${SHARED_MODELS}/scrfd_500m_bnkps.onnx`) &&
      "../shared/models/scrfd_500m_bnkps.onnx is absent",
    make: () => ScrfdDetector.create(`${SHARED_MODELS}/scrfd_500m_bnkps.onnx`),
  },
  {
    name: "RFB-320 + 68 landmarks",
    missing:
      !(existsSync(`${MODELS}/fr_detect.onnx`) && existsSync(`${MODELS}/fr_landmark.onnx`)) &&
      "models/fr_detect.onnx or fr_landmark.onnx is absent (run `npx facegate models fetch`)",
    make: () =>
      Rfb320Detector.create({
        detector: `${MODELS}/fr_detect.onnx`,
        landmarks: `${MODELS}/fr_landmark.onnx`,
      }),
  },
];

for (const c of CASES) {
  describe(`${c.name} on real photos`, { skip: dataMissing || c.missing }, () => {
    let det: FaceDetector;
    before(async () => {
      det = await c.make();
    });
    after(async () => {
      await det?.close();
    });

    test("exactly one face with sane landmarks in each of 20 single-person LFW photos", async () => {
      for (const path of SINGLE) {
        const faces = await det.detect(await load(path));
        const name = path.split("/").pop();
        assert.equal(faces.length, 1, `${name}: ${faces.length} faces`);
        assertSaneGeometry(faces[0], `${name}`);
        // LFW centres the face in the 250×250 frame.
        const [x, y, w, h] = faces[0].box;
        assert.ok(
          x < 125 && x + w > 125 && y < 125 && y + h > 125,
          `${name}: box ${faces[0].box} covers the centre`,
        );
      }
    });

    test("both faces of couple.jpg, side by side", async () => {
      const faces = await det.detect(await load(COUPLE));
      assert.equal(faces.length, 2);
      for (const [i, f] of faces.entries()) assertSaneGeometry(f, `couple face ${i}`);
      const [a, b] = [...faces].sort((p, q) => p.box[0] - q.box[0]);
      assert.ok(a.box[0] + a.box[2] < b.box[0] + b.box[2] / 2, "the two boxes are distinct faces");
    });

    test("a 4352×2903 photo: the box is in original pixels; cropping around it finds the face again", async () => {
      const img = await load(LARGE);
      const faces = await det.detect(img);
      assert.ok(faces.length >= 1, "a face");
      const f = faces.reduce((p, q) => (q.box[2] * q.box[3] > p.box[2] * p.box[3] ? q : p));
      const [x, y, w, h] = f.box;
      assert.ok(
        x >= 0 && y >= 0 && x + w <= img.width && y + h <= img.height,
        `box ${f.box} inside the image`,
      );
      // The face fills a good part of this portrait: a box in 640-scale pixels would be far smaller.
      assert.ok(w > 500 && h > 500, `box ${f.box} is in original pixels`);
      assertSaneGeometry(f, "large photo");

      // Crop with a 30 % margin (a detector needs some context) and find the same face at the same place.
      const cx0 = Math.max(0, Math.floor(x - 0.3 * w));
      const cy0 = Math.max(0, Math.floor(y - 0.3 * h));
      const cw = Math.min(img.width, Math.ceil(x + 1.3 * w)) - cx0;
      const ch = Math.min(img.height, Math.ceil(y + 1.3 * h)) - cy0;
      const again = await det.detect(await crop(img, cx0, cy0, cw, ch));
      assert.ok(again.length >= 1, "the face is found again in the crop");
      const g = again.reduce((p, q) => (q.score > p.score ? q : p));
      const shift = Math.hypot(
        g.landmarks[0][0] + cx0 - f.landmarks[0][0],
        g.landmarks[0][1] + cy0 - f.landmarks[0][1],
      );
      assert.ok(
        shift < 0.25 * interOcular(f),
        `left eye moved ${shift.toFixed(1)} px between full image and crop`,
      );
    });
  });
}

describe("YuNet and SCRFD agree on eye positions", {
  skip: dataMissing || CASES[0].missing || CASES[1].missing,
}, () => {
  test("mean eye disagreement under 8 % of the inter-ocular distance, none over 20 %", async () => {
    const yunet = await CASES[0].make();
    const scrfd = await CASES[1].make();
    try {
      let sum = 0;
      let n = 0;
      for (const path of [...SINGLE, COUPLE]) {
        const img = await load(path);
        const ys = await yunet.detect(img);
        const ss = await scrfd.detect(img);
        for (const y of ys) {
          // Pair each YuNet face with the SCRFD face whose nose is nearest.
          const s = ss.reduce((p, q) =>
            Math.hypot(q.landmarks[2][0] - y.landmarks[2][0], q.landmarks[2][1] - y.landmarks[2][1]) <
            Math.hypot(p.landmarks[2][0] - y.landmarks[2][0], p.landmarks[2][1] - y.landmarks[2][1])
              ? q
              : p,
          );
          const iod = interOcular(y);
          for (const k of [0, 1]) {
            const e =
              Math.hypot(s.landmarks[k][0] - y.landmarks[k][0], s.landmarks[k][1] - y.landmarks[k][1]) / iod;
            assert.ok(e < 0.2, `${path.split("/").pop()}: eye ${k} differs by ${(100 * e).toFixed(1)} %`);
            sum += e;
            n++;
          }
        }
      }
      assert.ok(n >= 44, "every face compared");
      assert.ok(sum / n < 0.08, `mean eye disagreement ${((100 * sum) / n).toFixed(1)} %`);
    } finally {
      await yunet.close();
      await scrfd.close();
    }
  });
});
