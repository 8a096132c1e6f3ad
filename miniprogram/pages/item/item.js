/**
 * 诉求详情 — one item's public view: status, deadline, photos, result and the
 * timeline of every step; the reporter rates the result here (step 6) and
 * anyone may follow the item.
 *
 * Opens with `?number=20240501-0001`, or with `?scene=` when a mini-program
 * code was scanned by the WeChat camera (scene is `i=<number>`).
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')

const SCORES = [
  {score: 'satisfied', label: '满意'},
  {score: 'basically_satisfied', label: '基本满意'},
  {score: 'unsatisfied', label: '不满意'},
]

// The statuses in which supervisors give their evaluation (督办评议).
const EVALUABLE = ['resolved', 'closed']

/** An attachment that is a voice message (`kind: voice`), not a picture. */
function isVoice(p) {
  return !!p && typeof p === 'object' && p.kind === 'voice'
}

/** Item JSON (public view) → what the template shows. */
function view(item) {
  const rating = item.rating
    ? {
      score: item.rating.score,
      label: item.rating.label || (SCORES.find(s => s.score === item.rating.score) || {}).label || '',
      comment: item.rating.comment || '',
    }
    : null
  return {
    number: item.number,
    status: item.status,
    statusLabel: item.status_label || '',
    statusClass: fmt.statusClass(item.status),
    round: item.round || 1,
    content: item.content || '',
    community: item.community || '',
    address: item.address || '',
    category: fmt.categoryText(item.category),
    unit: fmt.nameOf(item.unit),
    tierLabel: item.tier_label || '',
    due: item.due || '',
    overdue: !!item.overdue,
    // voice messages sent by chat are played, never shown as pictures
    photos: (item.photos || []).filter(p => !isVoice(p)).map(p => api.absUrl(typeof p === 'string' ? p : p.url)),
    voices: (item.photos || []).filter(isVoice).map((p, i) => ({key: p.id || i, url: api.absUrl(p.url)})),
    result: item.result || '',
    outcome: fmt.outcomeText(item),
    rejectReason: item.reject_reason || '',
    mergedInto: item.merged_into || '',
    rating,
    createdAt: fmt.formatTime(item.created_at),
    closedAt: fmt.formatTime(item.closed_at),
    timeline: (item.timeline || []).map((ev, i) => ({
      key: i,
      kind: ev.kind,
      label: ev.label || '',
      actor: ev.actor || '',
      at: fmt.formatTime(ev.at),
      note: ev.note || '',
      round: ev.round || 1,
    })),
  }
}

Component({
  data: {
    number: '',
    item: null,
    canRate: false,
    following: false,
    loading: false,
    error: '',
    scores: SCORES,
    score: '',
    comment: '',
    ratingError: '',
    rating: false,
    toggling: false,
    playing: -1,
    canEvaluate: false,
    evalScore: '',
    evalComment: '',
    evalError: '',
    evaluating: false,
    evaluated: false,
  },

  lifetimes: {
    detached() {
      this.stopVoice()
      if (this.audio) this.audio.destroy()
      this.audio = null
    },
  },

  methods: {
    async onLoad(query) {
      const q = query || {}
      let number = q.number || ''
      try {
        if (!number && q.scene) number = await api.itemNumberFromScene(q.scene)
      } catch (err) {
        this.setData({error: err.message})
        return
      }
      if (!number) {
        this.setData({error: '未找到诉求编号，请从“我的诉求”或扫码进入'})
        return
      }
      this.setData({number})
      await this.load()
    },

    async load() {
      this.setData({loading: true})
      try {
        const item = await api.get('/items/' + this.data.number)
        this.show(item)
      } catch (err) {
        this.setData({loading: false, error: err.message})
      }
    },

    show(item) {
      const user = api.storedUser()
      this.setData({
        item: view(item),
        // 督办评议: a resident supervisor (badge holder) evaluates a resolved or closed item
        canEvaluate: !!(user && user.is_supervisor) && EVALUABLE.indexOf(item.status) >= 0,
        canRate: !!item.can_rate,
        following: !!item.following,
        loading: false,
        error: '',
      })
    },

    async onPullDownRefresh() {
      if (this.data.number) await this.load()
      wx.stopPullDownRefresh()
    },

    previewPhoto(e) {
      const urls = this.data.item.photos
      wx.previewImage({current: urls[Number(e.currentTarget.dataset.index)], urls})
    },

    /** Play the voice message tapped (downloaded with the token first), or stop it. */
    async toggleVoice(e) {
      const index = Number(e.currentTarget.dataset.index)
      if (this.data.playing === index) {
        this.stopVoice()
        return
      }
      this.stopVoice()
      const voice = this.data.item.voices[index]
      if (!voice) return
      this.setData({playing: index})
      let path
      try {
        path = await api.download(voice.url)
      } catch (err) {
        this.setData({playing: -1})
        api.showError(err)
        return
      }
      if (this.data.playing !== index) return
      const audio = this.audioContext()
      audio.src = path
      audio.play()
    },

    audioContext() {
      if (!this.audio) {
        const audio = wx.createInnerAudioContext()
        const done = () => this.setData({playing: -1})
        audio.onEnded(done)
        audio.onStop(done)
        audio.onError(() => {
          done()
          // WeChat voice is AMR, which iPhones cannot play in a mini-program
          wx.showModal({title: '无法播放', content: '本机无法播放这段语音，请在安卓手机或电脑上打开诉求页面收听', showCancel: false, confirmText: '知道了'})
        })
        this.audio = audio
      }
      return this.audio
    },

    stopVoice() {
      if (this.audio && this.data.playing >= 0) this.audio.stop()
      if (this.data.playing >= 0) this.setData({playing: -1})
    },

    chooseScore(e) {
      this.setData({score: e.currentTarget.dataset.score, ratingError: ''})
    },

    onCommentInput(e) {
      this.setData({comment: e.detail.value || ''})
    },

    async submitRating() {
      if (this.data.rating) return
      const score = this.data.score
      const comment = this.data.comment.trim()
      let ratingError = ''
      if (!score) ratingError = '请选择满意、基本满意或不满意'
      else if (score === 'unsatisfied' && !comment) ratingError = '选择“不满意”时，请填写不满意的原因'
      if (ratingError) {
        this.setData({ratingError})
        wx.showToast({title: ratingError, icon: 'none'})
        return
      }
      this.setData({rating: true, ratingError: ''})
      const body = {score}
      if (comment) body.comment = comment
      try {
        const item = await api.post('/items/' + this.data.number + '/rating', body)
        this.show(item)
        this.setData({rating: false, score: '', comment: ''})
        wx.showToast({title: '感谢您的评价', icon: 'success'})
      } catch (err) {
        this.setData({rating: false, ratingError: err.message})
        api.showError(err)
      }
    },

    chooseEvalScore(e) {
      this.setData({evalScore: e.currentTarget.dataset.score, evalError: ''})
    },

    onEvalCommentInput(e) {
      this.setData({evalComment: e.detail.value || ''})
    },

    /** POST /items/<number>/evaluation {score, comment?}: the 督办评议, on the sheet beside the cadres'. */
    async submitEvaluation() {
      if (this.data.evaluating) return
      const score = this.data.evalScore
      if (!score) {
        this.setData({evalError: '请选择满意、基本满意或不满意'})
        wx.showToast({title: '请选择评议结果', icon: 'none'})
        return
      }
      this.setData({evaluating: true, evalError: ''})
      const body = {score}
      const comment = this.data.evalComment.trim()
      if (comment) body.comment = comment
      try {
        const item = await api.post('/items/' + this.data.number + '/evaluation', body)
        this.show(item)
        this.setData({evaluating: false, evaluated: true, evalScore: '', evalComment: ''})
        wx.showToast({title: '督办评议已提交', icon: 'success'})
      } catch (err) {
        this.setData({evaluating: false, evalError: err.message})
        api.showError(err)
      }
    },

    async toggleFollow() {
      if (this.data.toggling) return
      this.setData({toggling: true})
      const path = '/items/' + this.data.number + '/follow'
      try {
        const res = this.data.following ? await api.del(path) : await api.post(path)
        const following = !!res.following
        this.setData({following, toggling: false})
        wx.showToast({title: following ? '已关注，将通知办理进度' : '已取消关注', icon: 'none'})
      } catch (err) {
        this.setData({toggling: false})
        api.showError(err)
      }
    },

    openMerged() {
      wx.navigateTo({url: '/pages/item/item?number=' + this.data.item.mergedInto})
    },

    onShareAppMessage() {
      return {title: '诉求 ' + this.data.number + ' 办理进度', path: '/pages/item/item?number=' + this.data.number}
    },
  },
})
