/** The attacks `edgelock attack` runs, in table order; the last is the yardstick. */
import { Attack } from '../context';
import { fineTune } from './fine-tune';
import { fromScratch } from './from-scratch';
import { gradientKey } from './gradient-key';
import { greedyKey } from './greedy-key';
import { noKey } from './no-key';
import { randomKey } from './random-key';

export const ATTACKS: Attack[] = [noKey, randomKey, greedyKey, gradientKey, fineTune, fromScratch];
export const YARDSTICK = fromScratch.name;
