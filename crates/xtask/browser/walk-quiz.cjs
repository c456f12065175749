// The book walk's checks of a topic page's checks for understanding (issue 13), used by
// walk.test.cjs: the page's first quiz (its "predict the output" question) is answered with the
// answer its data names and graded correct with an explanation; the figure that answers it
// (`<details class="predict-result">`, theme/driftwood.js) is folded before the answer, unfolded
// after it, and still unfolded after a reload (mdbook-quiz keeps the answer in localStorage).
"use strict";

const TIMEOUT = 5000;

/** Is the first predict fold open? null when the page has none. */
function foldOpen(page) {
    return page.evaluate(() => {
        const fold = document.querySelector("details.predict-result");
        return fold ? fold.open : null;
    });
}

/** Waits until the first predict fold is open; false if it stays folded. */
function unfolds(page) {
    return page
        .waitForFunction(() => document.querySelector("details.predict-result")?.open === true, null, { timeout: TIMEOUT })
        .then(() => true, () => false);
}

/** Problems with a topic page's quiz and its predict fold; [] on any other page. */
async function quizProblems(page, chapter) {
    if (!/^\d\d-[a-z-]+\/index\.html$/.test(chapter.rel)) return [];
    const quizzes = page.locator(".quiz-placeholder");
    if ((await quizzes.count()) === 0) return ["no quiz on a topic page (src/NN-topic/NN-quiz.toml)"];
    const quiz = quizzes.first();
    try {
        const data = JSON.parse(await quiz.getAttribute("data-quiz-questions"));
        const answer = data.questions[0].answer.answer;
        await quiz.locator("button.start").waitFor({ timeout: TIMEOUT });
        const before = await foldOpen(page);
        if (before === null) return ["predict: no <details class=\"predict-result\"> folds the figure after the question"];
        if (before) return ["predict: the figure after the question is unfolded before it is answered"];
        await quiz.locator("button.start").click({ timeout: TIMEOUT });
        let picked = false;
        for (const input of await quiz.locator("input[type=radio]").all()) {
            if ((await input.getAttribute("value")) === answer) {
                await input.check();
                picked = true;
            }
        }
        if (!picked) return [`quiz: no choice reads ${JSON.stringify(answer)}`];
        await quiz.locator("input[type=submit]").click();
        const graded = await quiz
            .locator(".md-flex.correct")
            .first()
            .waitFor({ timeout: TIMEOUT })
            .then(() => true, () => false);
        if (!graded) return [`quiz: the answer its data names, ${JSON.stringify(answer)}, was not graded correct`];
        const review = await quiz.textContent();
        if (!/Context/.test(review)) return ["quiz: the answer was graded, but no explanation is shown"];
        if (!(await unfolds(page))) return ["predict: the figure stays folded after the question is answered"];
        await page.reload({ waitUntil: "load" });
        if (!(await unfolds(page))) return ["predict: after a reload, the answered question's figure is folded again"];
    } catch (e) {
        return [`quiz: answering its first question failed: ${e.message.split("\n")[0]}`];
    }
    return [];
}

/** Faults for walk.test.cjs's self-test: each must be reported on its page. */
const QUIZ_FAULTS = [
    {
        what: "a predict figure shown before the answer",
        page: "07-layers/index.html",
        edit: (html) => html.replace('<details class="predict-result">', '<details class="predict-result" open>'),
        expect: /predict: the figure after the question is unfolded before/,
    },
    {
        what: "a predict figure that never unfolds (the page's script gone)",
        page: "08-manifests/index.html",
        edit: (html) => html.replace(/<script src="[^"]*theme\/driftwood\.js"><\/script>/, ""),
        expect: /predict: the figure stays folded after/,
    },
];

module.exports = { quizProblems, QUIZ_FAULTS };
